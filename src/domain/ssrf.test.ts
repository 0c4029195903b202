import { describe, expect, it } from 'vitest';
import { checkHookUrl, classifyAddress, isBlocked } from './ssrf.js';

describe('SSRF guard (GitLab UrlBlocker)', () => {
  it.each([
    ['127.0.0.1', 'localhost'],
    ['127.255.0.9', 'localhost'],
    ['0.0.0.0', 'localhost'],
    ['::1', 'localhost'],
    ['::', 'localhost'],
    ['::ffff:127.0.0.1', 'localhost'],
    ['::ffff:7f00:1', 'localhost'],
    ['10.0.0.1', 'local_network'],
    ['172.16.5.4', 'local_network'],
    ['172.31.255.255', 'local_network'],
    ['192.168.1.1', 'local_network'],
    ['100.64.0.1', 'local_network'],
    ['fd12:3456::1', 'local_network'],
    ['::ffff:10.1.2.3', 'local_network'],
    ['169.254.169.254', 'link_local'],
    ['fe80::1', 'link_local'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['ff02::1', 'reserved'],
    // Issue 14: what the hand-kept list missed.
    ['2002:7f00:1::', 'localhost'],
    ['2002:a00:1::1', 'local_network'],
    ['64:ff9b::7f00:1', 'localhost'],
    ['::7f00:1', 'localhost'],
    ['2001:0::1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['fec0::1', 'local_network'],
    ['93.184.216.34', null],
    ['2002:5db8:d822::1', null],
    ['172.32.0.1', null],
    ['2606:4700::1111', null],
  ])('%s is %s', (address, reason) => {
    expect(classifyAddress(address)).toBe(reason);
  });

  it('refuses non-http schemes and malformed URLs whatever the setting', () => {
    expect(checkHookUrl('ftp://example.com/', true)).toEqual({ ok: false, reason: 'scheme' });
    expect(checkHookUrl('javascript:alert(1)', true)).toEqual({ ok: false, reason: 'scheme' });
    expect(checkHookUrl('not a url', true)).toEqual({ ok: false, reason: 'invalid' });
    expect(checkHookUrl('http://224.0.0.1/', true)).toEqual({ ok: false, reason: 'reserved' });
  });

  it('sees through the spellings of 127.0.0.1 that URL parsing normalises', () => {
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://LOCALHOST./', 'http://api.localhost/']) {
      expect(checkHookUrl(url, false), url).toEqual({ ok: false, reason: 'localhost' });
    }
  });

  it('allowing local requests lifts localhost, local and link-local networks only', () => {
    expect(checkHookUrl('http://127.0.0.1:9000/hook', true)).toMatchObject({ ok: true, literalIp: true, host: '127.0.0.1' });
    expect(checkHookUrl('http://10.0.0.5/hook', true)).toMatchObject({ ok: true });
    expect(isBlocked('link_local', true)).toBe(false);
    expect(isBlocked('reserved', true)).toBe(true);
    expect(checkHookUrl('https://hooks.example.com/x', false)).toMatchObject({ ok: true, literalIp: false, host: 'hooks.example.com' });
  });
});
