import { describe, expect, it } from 'vitest';
import { isAllowedFrom, MAX_ALLOWED_CIDRS, parseAllowedCidrs } from './ip-allowlist.js';

describe('token IP allowlist (Tollgate’s own, issue 13)', () => {
  it('takes networks and plain addresses, IPv4 and IPv6, in canonical form without duplicates', () => {
    expect(parseAllowedCidrs(['10.0.0.0/8', ' 192.168.1.7 ', '2001:DB8::/32', '::1', '10.0.0.0/8'])).toEqual({
      ok: true,
      value: ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1'],
    });
    expect(parseAllowedCidrs(undefined)).toEqual({ ok: true, value: [] });
    // An IPv4-mapped IPv6 network is the IPv4 network it maps.
    expect(parseAllowedCidrs(['::ffff:10.0.0.0/104'])).toEqual({ ok: true, value: ['10.0.0.0/8'] });
  });

  it.each([['10.0.0.0/33'], ['10.1'], ['fe80::1%eth0'], ['example.com'], ['10.0.0.0/8/1'], [''], ['::1/129'], ['10.0.0.0/-1']])('refuses %j', (entry) => {
    const parsed = parseAllowedCidrs([entry]);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatchObject({ code: 'allowed_cidrs_invalid', message: 'allowed_cidrs is invalid' });
  });

  it(`refuses more than ${MAX_ALLOWED_CIDRS} entries and entries that are not strings`, () => {
    expect(parseAllowedCidrs(Array.from({ length: 51 }, (_, i) => `10.0.0.${i}`)).ok).toBe(false);
    expect(parseAllowedCidrs(Array.from({ length: 50 }, (_, i) => `10.0.0.${i}`)).ok).toBe(true);
    expect(parseAllowedCidrs([7]).ok).toBe(false);
  });

  it('an empty list allows everyone; otherwise only clients inside an entry', () => {
    expect(isAllowedFrom([], '203.0.113.9')).toBe(true);
    expect(isAllowedFrom([], null)).toBe(true);
    expect(isAllowedFrom(['10.0.0.0/8'], '127.0.0.1')).toBe(false);
    expect(isAllowedFrom(['10.0.0.0/8'], '10.200.3.4')).toBe(true);
    expect(isAllowedFrom(['127.0.0.0/8', '::1'], '::1')).toBe(true);
    expect(isAllowedFrom(['192.168.1.7'], '192.168.1.8')).toBe(false);
    expect(isAllowedFrom(['2001:db8::/32'], '2001:db8:1::5')).toBe(true);
    expect(isAllowedFrom(['10.0.0.0/8'], null)).toBe(false);
    expect(isAllowedFrom(['10.0.0.0/8'], 'garbage')).toBe(false);
  });

  it('an IPv4-mapped IPv6 client matches IPv4 entries', () => {
    expect(isAllowedFrom(['127.0.0.0/8'], '::ffff:127.0.0.1')).toBe(true);
    expect(isAllowedFrom(['10.0.0.0/8'], '::ffff:127.0.0.1')).toBe(false);
  });
});
