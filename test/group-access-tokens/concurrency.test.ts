import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makePat, makeUser } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * Rotation revokes the old token with a conditional update inside the transaction that issues its
 * successor, so however many rotations race, exactly one wins (§4.2), on either database.
 */
const CONCURRENT_ROTATIONS = 20;

describe.each(TEST_DIALECTS)('concurrent rotation over HTTP (%s)', (dialect) => {
  let s: ServerHarness;
  let ownerPat: string;
  let groupId: number;

  beforeAll(async () => {
    // The real clock: requests race for real, over real sockets.
    s = await startServer(dialect, { now: new Date().toISOString() });
    const owner = await makeUser(s);
    ownerPat = (await makePat(s, owner)).token;
    groupId = (await makeGroup(s, owner)).id;
  });
  afterAll(() => s.close());

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${s.url}/api/v4/groups/${groupId}/access_tokens${path}`, {
      method,
      headers: { 'private-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
  };

  async function createToken() {
    const res = await call('POST', '', ownerPat, { name: 'raced', scopes: ['api'] });
    expect(res.status).toBe(201);
    return res.body as { id: number; user_id: number; token: string };
  }

  /** The active tokens of the bot: its whole token family. */
  const activeTokenIds = async (botId: number) => {
    const today = s.ctx.clock.now().toISOString().slice(0, 10);
    const rows = await s.ctx.database.db
      .selectFrom('personal_access_tokens')
      .select('id')
      .where('user_id', '=', botId)
      .where('revoked', '=', 0)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', today)]))
      .execute();
    return rows.map((r) => r.id);
  };

  it(`${CONCURRENT_ROTATIONS} simultaneous rotations of one token by id: exactly one 200 and one new active token; the others 400 Token already revoked`, async () => {
    const token = await createToken();
    const results = await Promise.all(Array.from({ length: CONCURRENT_ROTATIONS }, () => call('POST', `/${token.id}/rotate`, ownerPat)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.status !== 200)) expect(loser).toEqual({ status: 400, body: { message: '400 Bad request - Token already revoked' } });
    expect(await activeTokenIds(token.user_id)).toEqual([winners[0]!.body!.id]);
    const tokens = await s.ctx.database.db.selectFrom('personal_access_tokens').select('id').where('user_id', '=', token.user_id).execute();
    expect(tokens).toHaveLength(2);
  });

  it(`${CONCURRENT_ROTATIONS} simultaneous self-rotations with one token: exactly one 200; only its token may stay active, else reuse was detected (T5)`, async () => {
    const token = await createToken();
    const results = await Promise.all(Array.from({ length: CONCURRENT_ROTATIONS }, () => call('POST', '/self/rotate', token.token)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    // A loser either lost the conditional revoke (400), or authenticated after the winner's revoke:
    // then it presented a revoked token to a rotate endpoint, which is T5's trigger (401).
    for (const loser of results.filter((r) => r.status !== 200)) expect([400, 401]).toContain(loser.status);
    const active = await activeTokenIds(token.user_id);
    const winner = winners[0]!.body!.id as number;
    if (active.length === 0) {
      // Such a race looks exactly like a leaked token racing its owner: the family is revoked, and said so.
      const detected = await s.ctx.database.db.selectFrom('audit_events').select('details').where('event_name', '=', 'token_reuse_detected').where('target_id', '=', token.id).execute();
      expect(detected.flatMap((e) => (JSON.parse(e.details) as { revoked_token_ids: number[] }).revoked_token_ids)).toEqual([winner]);
      expect(results.some((r) => r.status === 401)).toBe(true);
    } else {
      expect(active).toEqual([winner]);
    }
  });

  it('a rotation racing a revocation leaves no active token of the family but the one the winning rotation returned', async () => {
    for (let round = 0; round < 6; round += 1) {
      const token = await createToken();
      const racers = [call('POST', `/${token.id}/rotate`, ownerPat), call('DELETE', `/${token.id}`, ownerPat)];
      const [rotation, revocation] = await Promise.all(round % 2 === 0 ? racers : racers.reverse());
      const rotated = round % 2 === 0 ? rotation! : revocation!;
      const revoked = round % 2 === 0 ? revocation! : rotation!;
      expect(revoked.status).toBe(204);
      const active = await activeTokenIds(token.user_id);
      if (rotated.status === 200) {
        expect(active).toEqual([rotated.body!.id]);
      } else {
        expect(rotated).toEqual({ status: 400, body: { message: '400 Bad request - Token already revoked' } });
        expect(active).toEqual([]);
      }
    }
  });
});
