import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src/jobs/registry.js';
import { insertIssue } from '../../src/store/repositories/projects.js';
import { findTokens, revokeTokenIfActive } from '../../src/store/repositories/tokens.js';
import { findGhostUser } from '../../src/store/repositories/users.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makeProject, makeUser } from '../support/factories.js';
import { createHarness, type Harness } from '../support/harness.js';
import { makeGroupToken, setSettings } from '../support/lifecycle-factories.js';

const DAY_MS = 86_400_000;

describe.each(TEST_DIALECTS)('inactive-token-retention job (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-01T00:00:00.000Z' });
  });
  afterAll(() => h.close());

  const db = () => h.ctx.database.db;
  const userExists = async (id: number) => (await db().selectFrom('users').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  const tokensOf = async (userId: number) => db().selectFrom('personal_access_tokens').select('id').where('user_id', '=', userId).execute();
  const membershipsOf = async (userId: number) => db().selectFrom('members').select('id').where('user_id', '=', userId).execute();

  it('T6 §4.5 on day 31 a bot whose token was revoked on day 0 is removed with its tokens and membership, its issues go to the ghost user, an audit event records it; a token revoked on day 2 (29 days) stays listable as inactive', async () => {
    const day0 = new Date('2026-06-01T00:00:00.000Z');
    h.clock.set(day0);
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    const project = await makeProject(h, group);
    const old = await makeGroupToken(h, group, { expiresAt: '2027-01-01', name: 'old' });
    const recent = await makeGroupToken(h, group, { expiresAt: '2027-01-01', name: 'recent' });
    const issue = await insertIssue(db(), {
      project_id: project.id,
      title: 'written by the bot',
      description: null,
      author_id: old.bot.id,
      state: 'opened',
      created_at: day0.toISOString(),
      updated_at: day0.toISOString(),
    });
    await db().updateTable('projects').set({ creator_id: old.bot.id }).where('id', '=', project.id).execute();
    await revokeTokenIfActive(db(), old.token.id, day0.toISOString());
    await revokeTokenIfActive(db(), recent.token.id, new Date(day0.getTime() + 2 * DAY_MS).toISOString());

    h.clock.set(new Date(day0.getTime() + 30 * DAY_MS));
    expect(await runJob('inactive-token-retention', h.ctx)).toMatchObject({ ran: true, report: { retentionDays: 30, removedBots: 0 } });
    expect(await userExists(old.bot.id)).toBe(true);

    h.clock.set(new Date(day0.getTime() + 31 * DAY_MS));
    expect(await runJob('inactive-token-retention', h.ctx)).toMatchObject({ report: { removedBots: 1, removedTokens: 1 } });
    expect(await userExists(old.bot.id)).toBe(false);
    expect(await tokensOf(old.bot.id)).toEqual([]);
    expect(await membershipsOf(old.bot.id)).toEqual([]);
    const ghost = (await findGhostUser(db()))!;
    const kept = await db().selectFrom('issues').selectAll().where('id', '=', issue.id).executeTakeFirstOrThrow();
    expect(kept.author_id).toBe(ghost.id);
    expect(kept.title).toBe('written by the bot');
    expect((await db().selectFrom('projects').select('creator_id').where('id', '=', project.id).executeTakeFirstOrThrow()).creator_id).toBe(ghost.id);

    const events = await db().selectFrom('audit_events').selectAll().where('target_id', '=', old.bot.id).where('event_name', '=', 'user_destroyed').execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ entity_type: 'Group', entity_id: group.id, target_type: 'User', target_details: old.bot.username, author_id: null });
    expect(JSON.parse(events[0]!.details)).toMatchObject({ reason: 'No active token assigned', token_ids: [old.token.id] });

    // The bot revoked 29 days ago is still there, its token listed as inactive until its turn comes.
    expect(await userExists(recent.bot.id)).toBe(true);
    const inactive = await findTokens(db(), { userIds: [recent.bot.id], state: 'inactive' }, { page: 1, perPage: 20 }, h.clock.now());
    expect(inactive.rows.map((t) => t.name)).toEqual(['recent']);

    // Idempotent: another run the same night removes nothing more.
    expect(await runJob('inactive-token-retention', h.ctx)).toMatchObject({ report: { removedBots: 0 } });
  });

  it('§4.5 an expired token counts from its expiry date; a bot with any active token stays; a bot without tokens goes', async () => {
    const start = new Date('2026-09-01T00:00:00.000Z');
    h.clock.set(start);
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    const expired = await makeGroupToken(h, group, { expiresAt: '2026-09-01' });
    const rotated = await makeGroupToken(h, group, { expiresAt: '2027-06-01' });
    // The same bot's older, revoked token does not outweigh its active one.
    const olderToken = await makeGroupToken(h, group, { expiresAt: '2027-06-01' });
    await db().updateTable('personal_access_tokens').set({ user_id: rotated.bot.id }).where('id', '=', olderToken.token.id).execute();
    await revokeTokenIfActive(db(), olderToken.token.id, start.toISOString());
    const tokenless = await makeGroupToken(h, group, { expiresAt: '2027-06-01' });
    await db().deleteFrom('personal_access_tokens').where('user_id', '=', tokenless.bot.id).execute();

    h.clock.set(new Date(start.getTime() + 30 * DAY_MS));
    await runJob('inactive-token-retention', h.ctx);
    expect(await userExists(expired.bot.id)).toBe(true);
    expect(await userExists(tokenless.bot.id)).toBe(false);

    h.clock.set(new Date(start.getTime() + 31 * DAY_MS));
    await runJob('inactive-token-retention', h.ctx);
    expect(await userExists(expired.bot.id)).toBe(false);
    expect(await userExists(rotated.bot.id)).toBe(true);
    expect(await userExists(owner.id)).toBe(true);
  });

  it('§6 a blank inactive_resource_access_tokens_delete_after_days keeps inactive tokens and their bots forever', async () => {
    const start = new Date('2027-01-01T00:00:00.000Z');
    h.clock.set(start);
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    const revoked = await makeGroupToken(h, group, { expiresAt: '2027-06-01' });
    await revokeTokenIfActive(db(), revoked.token.id, start.toISOString());
    await setSettings(h, { inactive_resource_access_tokens_delete_after_days: null });
    h.clock.set(new Date(start.getTime() + 400 * DAY_MS));
    expect(await runJob('inactive-token-retention', h.ctx)).toMatchObject({ report: { retentionDays: null, removedBots: 0 } });
    expect(await userExists(revoked.bot.id)).toBe(true);
    await setSettings(h, { inactive_resource_access_tokens_delete_after_days: 7 });
    expect(await runJob('inactive-token-retention', h.ctx)).toMatchObject({ report: { retentionDays: 7 } });
    expect(await userExists(revoked.bot.id)).toBe(false);
    await setSettings(h, { inactive_resource_access_tokens_delete_after_days: 30 });
  });
});
