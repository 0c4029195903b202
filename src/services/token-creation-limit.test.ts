import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { AccessLevel, botCount, makeGroup, makePat, makeProject, makeUser, setRole } from '../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../test/support/harness.js';
import { createPersonalAccessToken } from './personal-access-tokens.js';
import { updateSettings } from './settings.js';

/**
 * The per-user limit on token creations (issue 14): `token_creations_limit_per_minute` tokens per
 * user and minute, personal, group and project tokens counted together; past it GitLab's
 * throttle answer, and nothing is created.
 */
describe.each(TEST_DIALECTS)('token creations per user and minute (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T12:00:30.000Z' });
    expect((await updateSettings(h.ctx, { token_creations_limit_per_minute: 3 })).ok).toBe(true);
  });
  afterAll(() => h.close());

  it('personal, group and project tokens count together: the 4th in a minute is 429 Retry later, creates nothing, and the next minute allows 3 again', async () => {
    const creator = await makeUser(h);
    const group = await makeGroup(h, creator);
    const project = await makeProject(h, group);
    await setRole(h, { project }, creator, AccessLevel.MAINTAINER);
    const api = client(h, (await makePat(h, creator)).token);
    const personal = () => api.post('/api/v4/user/personal_access_tokens', { name: 'mine', scopes: ['self_rotate'] });
    const groupToken = () => api.post(`/api/v4/groups/${group.id}/access_tokens`, { name: 'ci', scopes: ['read_api'] });
    const projectToken = () => api.post(`/api/v4/projects/${project.id}/access_tokens`, { name: 'deploy', scopes: ['read_api'] });

    for (const create of [personal, groupToken, projectToken]) expect((await create()).statusCode).toBe(201);
    const bots = await botCount(h);
    for (const create of [personal, groupToken, projectToken]) {
      const refused = await create();
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({ message: 'Retry later' });
      expect(refused.headers['retry-after']).toBe('30');
      expect(refused.headers['x-tollgate-error-code']).toBe('token_creations_limited');
    }
    expect(await botCount(h), 'a refused group or project token leaves no bot behind').toBe(bots);

    // Another user is not limited by this one.
    const someoneElse = client(h, (await makePat(h, await makeUser(h))).token);
    expect((await someoneElse.post('/api/v4/user/personal_access_tokens', { name: 'theirs', scopes: ['self_rotate'] })).statusCode).toBe(201);

    // Refusals were not counted: the next minute allows exactly 3 again.
    h.clock.advance(30_000);
    for (const create of [projectToken, groupToken, personal]) expect((await create()).statusCode).toBe(201);
    expect((await personal()).statusCode).toBe(429);
  });

  it('an administrator creating tokens for other users is limited as their creator', async () => {
    const admin = client(h, (await makePat(h, await makeUser(h, { admin: true }))).token);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const user = await makeUser(h);
      statuses.push((await admin.post(`/api/v4/users/${user.id}/personal_access_tokens`, { name: `t${i}`, scopes: ['read_api'] })).statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it('the console is not limited (an operator at the server), and 0 turns the limit off', async () => {
    const user = await makeUser(h);
    for (let i = 0; i < 5; i++) expect((await createPersonalAccessToken(h.ctx, { userId: user.id, name: `console ${i}`, scopes: ['api'] })).ok).toBe(true);
    expect((await updateSettings(h.ctx, { token_creations_limit_per_minute: 0 })).ok).toBe(true);
    const api = client(h, (await makePat(h, user)).token);
    for (let i = 0; i < 5; i++) expect((await api.post('/api/v4/user/personal_access_tokens', { name: `t${i}`, scopes: ['self_rotate'] })).statusCode).toBe(201);
    expect((await updateSettings(h.ctx, { token_creations_limit_per_minute: 3 })).ok).toBe(true);
  });
});
