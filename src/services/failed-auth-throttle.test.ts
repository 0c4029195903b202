import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { makePat, makeUser } from '../../test/support/factories.js';
import { createHarness, openSecondInstance, type Harness } from '../../test/support/harness.js';
import type { Database } from '../store/database.js';
import { revokeTokenIfActive } from '../store/repositories/tokens.js';
import { updateUser } from '../store/repositories/users.js';
import type { ServiceContext } from './context.js';
import { authenticateBehindThrottle, type ThrottledAuthentication } from './failed-auth-throttle.js';
import { updateSettings } from './settings.js';

/**
 * The failed-authentication throttle of the API and forward auth (issue 14): past
 * `api_failed_auth_limit_per_minute` failures from one address in a minute, its token requests
 * are answered before any lookup until the minute ends, except tokens known to work from there.
 */
describe.each(TEST_DIALECTS)('failed-authentication throttle (%s)', (dialect) => {
  let h: Harness;
  let good: string;
  let other: string;
  /** Each test guesses from addresses of its own: a hold lasts until the minute ends. */
  let nextHost = 1;
  const freshIp = () => `198.51.100.${nextHost++}`;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T12:00:00.000Z' });
    const user = await makeUser(h);
    good = (await makePat(h, user)).token;
    other = (await makePat(h, user)).token;
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    expect((await updateSettings(h.ctx, { api_failed_auth_limit_per_minute: 3, failed_auth_throttle_allowlist: [] })).ok).toBe(true);
  });

  const authenticate = (ctx: ServiceContext, presented: string | null, ip: string): Promise<ThrottledAuthentication> => authenticateBehindThrottle(ctx, presented, { path: '/api/v4/user', ip });
  const kinds = async (ctx: ServiceContext, presented: string | null, ip: string, times: number) => {
    const seen: string[] = [];
    for (let i = 0; i < times; i++) seen.push((await authenticate(ctx, presented, ip)).kind);
    return seen;
  };
  const lookups = () => ({ ...h.ctx.tokenLookup.stats });
  /** A context whose database throws on any use: what runs with it costs no round trip. */
  const withoutDatabase = (ctx: ServiceContext): ServiceContext => ({
    ...ctx,
    database: new Proxy(ctx.database, {
      get: () => {
        throw new Error('the database was used');
      },
    }) as Database,
  });

  it('past the limit, an address is held: 429 with Retry-After until the minute ends, before any token lookup, even for a valid token', async () => {
    const ip = freshIp();
    h.clock.set(new Date('2026-06-15T12:00:15.000Z'));
    expect(await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', ip, 3)).toEqual(['unknown', 'unknown', 'unknown']);
    const before = lookups();
    expect(await authenticate(h.ctx, good, ip)).toEqual({ kind: 'throttled', retryAfterSeconds: 45 });
    expect(await authenticate(h.ctx, 'glpat-wrongwrongwrongwrong', ip)).toEqual({ kind: 'throttled', retryAfterSeconds: 45 });
    expect(lookups(), 'no token was looked up').toEqual(before);
    expect((await authenticate(h.ctx, good, freshIp())).kind, 'other addresses are served').toBe('ok');
    h.clock.set(new Date('2026-06-15T12:00:59.500Z'));
    expect(await authenticate(h.ctx, good, ip)).toEqual({ kind: 'throttled', retryAfterSeconds: 1 });
    h.clock.set(new Date('2026-06-15T12:01:00.000Z'));
    expect((await authenticate(h.ctx, good, ip)).kind, 'the next minute starts afresh').toBe('ok');
  });

  it('expired, revoked and allowlist-refused tokens count, and so do credentials that hold no token; a blocked user, like a success, does not', async () => {
    const ip = freshIp();
    const user = await makeUser(h);
    const expired = (await makePat(h, user, { expiresAt: '2026-06-14' })).token;
    const fenced = (await makePat(h, user, { allowedCidrs: ['10.0.0.0/8'] })).token;
    const revoked = await makePat(h, user);
    await revokeTokenIfActive(h.ctx.database.db, revoked.id, h.clock.now().toISOString());
    const blockedUser = await makeUser(h);
    const blocked = (await makePat(h, blockedUser)).token;
    await updateUser(h.ctx.database.db, blockedUser.id, { state: 'blocked' });
    expect(await kinds(h.ctx, blocked, ip, 3)).toEqual(['blocked', 'blocked', 'blocked']);
    expect((await authenticate(h.ctx, expired, ip)).kind).toBe('expired');
    expect((await authenticate(h.ctx, fenced, ip)).kind).toBe('ip_refused');
    expect((await authenticate(h.ctx, good, ip)).kind).toBe('ok');
    expect((await authenticate(h.ctx, revoked.token, ip)).kind).toBe('revoked');
    expect((await authenticate(h.ctx, other, ip)).kind).toBe('throttled');

    const unreadable = freshIp();
    expect(await kinds(h.ctx, null, unreadable, 4)).toEqual(['unknown', 'unknown', 'unknown', 'throttled']);
  });

  it('a token that authenticated from the address within the hour keeps working there (a CI host with one broken job), from memory', async () => {
    const ip = freshIp();
    expect((await authenticate(h.ctx, good, ip)).kind).toBe('ok');
    h.clock.advance(60_000);
    await kinds(h.ctx, 'glpat-brokenjobbrokenjob', ip, 3);
    expect((await authenticate(h.ctx, good, ip)).kind).toBe('ok');
    expect((await authenticate(withoutDatabase(h.ctx), good, ip)).kind, 'known from memory: no database round trip').toBe('ok');
    expect((await authenticate(h.ctx, other, ip)).kind, 'a token never used from there is held back').toBe('throttled');
    // An hour after its last success the exemption has lapsed.
    h.clock.advance(61 * 60_000);
    await kinds(h.ctx, 'glpat-brokenjobbrokenjob', ip, 3);
    expect((await authenticate(h.ctx, good, ip)).kind).toBe('throttled');
    h.clock.advance(60_000);
  });

  it('a valid token from an address that is not held costs no database round trip', async () => {
    const ip = freshIp();
    // Both tokens in the authentication cache first: the throttle is what is measured.
    expect((await authenticate(h.ctx, good, ip)).kind).toBe('ok');
    expect((await authenticate(h.ctx, other, freshIp())).kind).toBe('ok');
    expect((await authenticate(withoutDatabase(h.ctx), good, ip)).kind).toBe('ok');
    expect((await authenticate(withoutDatabase(h.ctx), other, ip)).kind).toBe('ok');
  });

  it('the count is shared between instances through the database; what one instance knows of a token used from the address, its usage stamp tells the other', async () => {
    const second = await openSecondInstance(h);
    try {
      const ip = freshIp();
      // The good token works from the address on the first instance; its usage stamp is written.
      expect((await authenticate(h.ctx, good, ip)).kind).toBe('ok');
      const found = await h.ctx.tokenLookup.byToken(good);
      h.ctx.tokenUsage.record(found!.token, ip);
      await h.ctx.tokenUsage.flush();
      expect(await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', ip, 3)).toEqual(['unknown', 'unknown', 'unknown']);
      await h.ctx.failedAuthThrottle.idle();
      // The second instance never saw this address: its first failure is past the shared limit.
      expect(await kinds(second.ctx, 'glpat-wrongwrongwrongwrong', ip, 2)).toEqual(['unknown', 'throttled']);
      expect((await authenticate(second.ctx, good, ip)).kind, 'used from there, as the database knows').toBe('ok');
      expect((await authenticate(second.ctx, other, ip)).kind).toBe('throttled');
      // Read once per address and minute: the next answers cost no round trip.
      expect((await authenticate(withoutDatabase(second.ctx), other, ip)).kind).toBe('throttled');
    } finally {
      await second.close();
    }
  });

  it('no address is exempt by default, loopback included; the allowlist exempts the networks it names', async () => {
    for (const loopback of ['127.0.0.1', '::1']) {
      await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', loopback, 3);
      expect((await authenticate(h.ctx, other, loopback)).kind, loopback).toBe('throttled');
    }
    expect((await updateSettings(h.ctx, { failed_auth_throttle_allowlist: ['203.0.113.0/24', '2001:db8::/32'] })).ok).toBe(true);
    for (const monitor of ['203.0.113.9', '2001:db8::9']) {
      expect(await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', monitor, 5), monitor).toEqual(Array(5).fill('unknown'));
      expect((await authenticate(h.ctx, other, monitor)).kind, monitor).toBe('ok');
    }
    const outside = '203.0.114.9';
    await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', outside, 3);
    expect((await authenticate(h.ctx, other, outside)).kind).toBe('throttled');
    h.clock.advance(60_000);
  });

  it('0 turns the throttle off: nothing is counted, nothing held', async () => {
    expect((await updateSettings(h.ctx, { api_failed_auth_limit_per_minute: 0 })).ok).toBe(true);
    const ip = freshIp();
    expect(await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', ip, 10)).toEqual(Array(10).fill('unknown'));
    expect((await authenticate(h.ctx, other, ip)).kind).toBe('ok');
    await h.ctx.failedAuthThrottle.idle();
    expect(await h.ctx.database.db.selectFrom('rate_limit_counters').selectAll().where('subject', '=', ip).execute()).toEqual([]);
  });

  it('one counter row per address and minute, and past minutes are pruned', async () => {
    const [a, b] = [freshIp(), freshIp()];
    await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', a, 2);
    await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', b, 1);
    const rows = async () => {
      await h.ctx.failedAuthThrottle.idle();
      return h.ctx.database.db.selectFrom('rate_limit_counters').select(['subject', 'hits']).where('counter', '=', 'api_failed_auth').orderBy('subject').execute();
    };
    expect((await rows()).filter((row) => row.subject === a || row.subject === b).map((row) => [row.subject, Number(row.hits)])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    h.clock.advance(60_000);
    await kinds(h.ctx, 'glpat-wrongwrongwrongwrong', a, 1);
    expect((await rows()).map((row) => [row.subject, Number(row.hits)])).toEqual([[a, 1]]);
  });
});
