import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makePat, makeUser } from '../support/factories.js';
import { client, createHarness, type Harness } from '../support/harness.js';

describe.each(TEST_DIALECTS)('project repositories through the API (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  it('POST /projects creates <data dir>/repositories/<group full path>/<project path>.git; DELETE /groups/:id removes the repositories of the group and its subgroups', async () => {
    const owner = await makeUser(h);
    const { token } = await makePat(h, owner, { scopes: ['api'] });
    const top = await makeGroup(h, owner, { path: 'Top' });
    const sub = await makeGroup(h, owner, { path: 'sub', parent: top });
    const keep = await makeGroup(h, owner, { path: 'keep' });
    const create = async (namespaceId: number, path: string) => {
      const res = await client(h, token).post('/api/v4/projects', { name: path, path, namespace_id: namespaceId });
      expect(res.statusCode).toBe(201);
    };
    await create(top.id, 'app');
    await create(sub.id, 'lib');
    await create(keep.id, 'tool');
    const root = join(h.ctx.config.dataDir, 'repositories');
    const repos = [join(root, 'Top/app.git'), join(root, 'Top/sub/lib.git'), join(root, 'keep/tool.git')];
    for (const repo of repos) expect(existsSync(join(repo, 'HEAD')), repo).toBe(true);

    expect((await client(h, token).delete(`/api/v4/groups/${top.id}`)).statusCode).toBe(202);
    expect(repos.map(existsSync)).toEqual([false, false, true]);
    expect(existsSync(join(root, 'Top'))).toBe(false);
  });

  it('a refused project creation leaves no repository behind', async () => {
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner, { path: 'refused' });
    const outsider = await makePat(h, await makeUser(h), { scopes: ['api'] });
    const res = await client(h, outsider.token).post('/api/v4/projects', { name: 'x', path: 'x', namespace_id: group.id });
    expect(res.statusCode).toBe(404);
    expect(existsSync(join(h.ctx.config.dataDir, 'repositories', 'refused'))).toBe(false);
  });
});
