import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { makeGroup, makePat, makeUser } from '../../test/support/factories.js';
import { client, createHarness, openSecondInstance, type Harness } from '../../test/support/harness.js';
import { makeGroupToken } from '../../test/support/lifecycle-factories.js';
import { DEFAULT_TOKEN_PREFIX } from '../domain/token-format.js';
import { buildApp } from '../http/app.js';
import type { App } from '../http/types.js';
import { AUTH_CHANNEL_PREFIX } from '../store/auth-invalidations.js';
import { createTokenLookup, type TokenLookup } from '../store/repositories/tokens.js';
import { authenticateToken } from './authenticate.js';
import { closeServiceContext, openServiceContext, type ServiceContext } from './context.js';
import { openCachedTokenLookup } from './token-cache.js';
import { newTokenValue } from './token-issuance.js';

/** Issue 11 "Authentication from memory": what the cache serves, and when it must stop serving it. */

/** The real lookup, counting the database round trips. */
function countingLookup(ctx: ServiceContext): TokenLookup & { calls: number } {
  const source = createTokenLookup(ctx.database);
  const counted = {
    calls: 0,
    byDigest: (digest: string) => {
      counted.calls += 1;
      return source.byDigest(digest);
    },
  };
  return counted;
}

const authenticate = (ctx: ServiceContext, token: string) => authenticateToken(ctx, token, { path: '/api/v4/user', ip: '127.0.0.1' });

describe.each(TEST_DIALECTS)('authentication cache (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(() => h.close());

  /** A context like the harness's, whose cache reads through a counting lookup. */
  async function countedContext(options = { maxTokens: 1_000, maxUnknown: 20_000, unknownTtlMs: 30_000 }) {
    const source = countingLookup(h.ctx);
    const ctx: ServiceContext = { ...h.ctx, tokenLookup: await openCachedTokenLookup(h.ctx.database, source, h.ctx.secret, options) };
    return { ctx, source, close: () => ctx.tokenLookup.close() };
  }

  it('a token is read from the database once, then served from memory; expiry is still checked against the clock on every request', async () => {
    const user = await makeUser(h);
    const { token } = await makePat(h, user, { expiresAt: '2026-06-20' });
    const { ctx, source, close } = await countedContext();
    for (let i = 0; i < 5; i++) expect((await authenticate(ctx, token)).kind).toBe('ok');
    expect(source.calls).toBe(1);
    expect(ctx.tokenLookup.stats).toMatchObject({ misses: 1, hits: 4 });
    const saved = h.clock.now();
    h.clock.set(new Date('2026-06-20T00:00:00.000Z'));
    expect((await authenticate(ctx, token)).kind).toBe('expired');
    h.clock.set(saved);
    expect(source.calls).toBe(1);
    await close();
  });

  it('a flood of 10,000 distinct random well-formed tokens: one lookup each, none for repeats within the TTL, and a valid token stays cached throughout', async () => {
    const { token } = await makePat(h, await makeUser(h));
    const { ctx, source, close } = await countedContext({ maxTokens: 10, maxUnknown: 20_000, unknownTtlMs: 30_000 });
    expect((await authenticate(ctx, token)).kind).toBe('ok');
    const flood = Array.from({ length: 10_000 }, () => newTokenValue(DEFAULT_TOKEN_PREFIX, 1));
    for (const value of flood) expect((await authenticate(ctx, value)).kind).toBe('unknown');
    expect(source.calls).toBe(1 + 10_000);
    for (const value of flood) await authenticate(ctx, value);
    expect(source.calls).toBe(1 + 10_000);
    expect((await authenticate(ctx, token)).kind).toBe('ok');
    expect(source.calls).toBe(1 + 10_000);
    expect(ctx.tokenLookup.size).toEqual({ tokens: 1, unknown: 10_000 });
    await close();
  });

  it('a revocation, a rotation, a block or a deletion through this instance holds for the very next request', async () => {
    const owner = await makeUser(h);
    const ownerPat = (await makePat(h, owner)).token;
    const api = (token: string) => client(h, token);

    const revoked = await makePat(h, owner);
    expect((await api(revoked.token).get('/api/v4/user')).statusCode).toBe(200);
    expect((await api(ownerPat).delete(`/api/v4/personal_access_tokens/${revoked.id}`)).statusCode).toBe(204);
    expect((await api(revoked.token).get('/api/v4/user')).json()).toMatchObject({ error: 'invalid_token', error_description: 'Token was revoked. You have to re-authorize from the user.' });

    const rotated = await makePat(h, owner, { scopes: ['api'] });
    expect((await api(rotated.token).get('/api/v4/user')).statusCode).toBe(200);
    const renewed = await api(rotated.token).post('/api/v4/personal_access_tokens/self/rotate');
    expect(renewed.statusCode).toBe(200);
    expect((await api(rotated.token).get('/api/v4/user')).statusCode).toBe(401);
    expect((await api(renewed.json().token).get('/api/v4/user')).statusCode).toBe(200);

    const blocked = await makeUser(h);
    const blockedPat = (await makePat(h, blocked)).token;
    expect((await api(blockedPat).get('/api/v4/user')).statusCode).toBe(200);
    await h.ctx.database.db.updateTable('users').set({ state: 'blocked' }).where('id', '=', blocked.id).execute();
    expect((await api(blockedPat).get('/api/v4/user')).statusCode).toBe(403); // §3.4: a blocked user's token

    const group = await makeGroup(h, owner);
    const bot = await makeGroupToken(h, group, { expiresAt: null });
    expect((await api(bot.plaintext).get(`/api/v4/groups/${group.id}`)).statusCode).toBe(200);
    expect((await api(ownerPat).delete(`/api/v4/groups/${group.id}`)).statusCode).toBe(202);
    // The group and its bots are gone at once (Tollgate deletes immediately; GitLab answers 202 too).
    expect((await api(bot.plaintext).get('/api/v4/user')).statusCode).toBe(401);
  });

  describe('two instances on one database', () => {
    let b: Awaited<ReturnType<typeof openSecondInstance>>;
    let appB: App;
    beforeAll(async () => {
      b = await openSecondInstance(h);
      appB = await buildApp({ ctx: b.ctx });
      await appB.ready();
    });
    afterAll(async () => {
      await appB.close();
      await b.close();
    });
    const onB = async (token: string) => (await appB.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': token } })).statusCode;

    /**
     * Runs `change` on one instance, then shows that `other` hears of it: on SQLite at its first
     * lookup in a later turn of the event loop (a request sent after the change's answer arrives in
     * a later turn; the cache reads the file's data_version once a turn), on PostgreSQL when NOTIFY drops the entry,
     * which must be within 100 ms of the change's answer (timed on the cache itself, so that the
     * latency of a request on a busy machine is not counted).
     */
    async function expectHeardBy(other: ServiceContext, change: () => Promise<void>, refusedThere: () => Promise<number>) {
      const dropped = other.tokenLookup.stats.invalidations + other.tokenLookup.stats.flushes;
      await change();
      const changedAt = performance.now();
      if (dialect === 'postgres') {
        await vi.waitFor(() => expect(other.tokenLookup.stats.invalidations + other.tokenLookup.stats.flushes).toBeGreaterThan(dropped), { timeout: 2_000, interval: 1 });
        expect(performance.now() - changedAt).toBeLessThan(100);
      }
      await new Promise(setImmediate);
      expect(await refusedThere()).toBe(401);
    }

    it('revoked on A: refused by B within 100 ms', async () => {
      const owner = await makeUser(h);
      const ownerPat = (await makePat(h, owner)).token;
      const { token, id } = await makePat(h, owner);
      expect(await onB(token)).toBe(200);
      expect(await onB(token)).toBe(200);
      expect(b.ctx.tokenLookup.stats.hits).toBeGreaterThan(0);
      await expectHeardBy(
        b.ctx,
        async () => expect((await client(h, ownerPat).delete(`/api/v4/personal_access_tokens/${id}`)).statusCode).toBe(204),
        () => onB(token),
      );
    });

    it('rotated on B: A refuses the old value on its next request', async () => {
      const { token } = await makePat(h, await makeUser(h));
      expect((await client(h, token).get('/api/v4/user')).statusCode).toBe(200);
      await expectHeardBy(
        h.ctx,
        async () => expect((await appB.inject({ method: 'POST', url: '/api/v4/personal_access_tokens/self/rotate', headers: { 'private-token': token } })).statusCode).toBe(200),
        async () => (await client(h, token).get('/api/v4/user')).statusCode,
      );
    });

    it.runIf(dialect === 'postgres')("B's notification connection killed: B does not serve a token revoked meanwhile, and recovers by itself", async () => {
      const owner = await makeUser(h);
      const ownerPat = (await makePat(h, owner)).token;
      const { token, id } = await makePat(h, owner);
      const other = (await makePat(h, owner)).token;
      expect(await onB(token)).toBe(200);
      expect(await onB(other)).toBe(200);
      const listener = b.ctx.tokenLookup.listenerPid!;
      const listening = await h.ctx.database.pool!.query('select query from pg_stat_activity where pid = $1', [listener]);
      expect(listening.rows[0]).toEqual({ query: `listen "${AUTH_CHANNEL_PREFIX}${h.testDatabase.searchPath}"` });
      await h.ctx.database.pool!.query('select pg_terminate_backend($1)', [listener]);
      expect((await client(h, ownerPat).delete(`/api/v4/personal_access_tokens/${id}`)).statusCode).toBe(204);
      expect(await onB(token)).toBe(401);
      await vi.waitFor(() => expect(b.ctx.tokenLookup.live).toBe(true), { timeout: 5_000 });
      const hits = b.ctx.tokenLookup.stats.hits;
      expect(await onB(other)).toBe(200);
      expect(await onB(other)).toBe(200);
      expect(b.ctx.tokenLookup.stats.hits).toBeGreaterThan(hits);
      expect(await onB(token)).toBe(401);
    });
  });

  it('close ends the notification connection and writes the queued usage stamps', async () => {
    const ctx = await openServiceContext({ database: h.ctx.database, clock: h.clock, config: h.ctx.config, secret: h.ctx.secret });
    const { token, id } = await makePat(h, await makeUser(h));
    const found = await authenticate(ctx, token);
    if (found.kind !== 'ok') throw new Error(found.kind);
    ctx.tokenUsage.record(found.caller.token!, '192.0.2.1');
    await closeServiceContext(ctx);
    const row = await h.ctx.database.db.selectFrom('personal_access_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.last_used_ips)).toEqual(['192.0.2.1']);
    expect(ctx.tokenLookup.live).toBe(dialect === 'sqlite');
  });
});
