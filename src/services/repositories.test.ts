import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { makeGroup, makeProject, makeUser } from '../../test/support/factories.js';
import { scratchDir } from '../../test/support/git-factories.js';
import { createHarness, type Harness } from '../../test/support/harness.js';
import { findProjectById } from '../store/repositories/projects.js';
import {
  createProjectRepository,
  groupRepositoriesPath,
  removeGroupRepositories,
  repositoryExists,
  repositoryPath,
  repositoryRelativePath,
  UnsafeRepositoryPathError,
} from './repositories.js';

describe('repository paths', () => {
  const config = { dataDir: '/srv/tollgate' };

  it('is <data dir>/repositories/<group full path>/<project path>.git', () => {
    expect(repositoryRelativePath({ full_path: 'top/sub' }, { path: 'proj' })).toBe('top/sub/proj.git');
    expect(repositoryPath(config, { full_path: 'top/sub' }, { path: 'proj' })).toBe('/srv/tollgate/repositories/top/sub/proj.git');
    expect(groupRepositoriesPath(config, { full_path: 'top/sub' })).toBe('/srv/tollgate/repositories/top/sub');
  });

  it('refuses any path that could leave the repositories root', () => {
    for (const [group, project] of [
      ['..', 'p'],
      ['top/..', 'p'],
      ['top', '..'],
      ['/etc', 'p'],
      ['top//sub', 'p'],
      ['top', 'a/b'],
      ['top', '.hidden'],
      ['top', 'x\0y'],
      ['', 'p'],
    ] as const) {
      expect(() => repositoryPath(config, { full_path: group }, { path: project }), `${group} ${project}`).toThrow(UnsafeRepositoryPathError);
    }
    expect(() => groupRepositoriesPath(config, { full_path: '..' })).toThrow(UnsafeRepositoryPathError);
  });
});

describe.each(TEST_DIALECTS)('repositories on disk (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  it('creates a bare repository for a project, and a group removal takes those of its subgroups too', async () => {
    const owner = await makeUser(h);
    const top = await makeGroup(h, owner);
    const sub = await makeGroup(h, owner, { parent: top });
    const other = await makeGroup(h, owner);
    const paths = [];
    for (const group of [top, sub, other]) {
      const project = await makeProject(h, group);
      const path = await createProjectRepository(h.ctx, { group, project });
      expect(await repositoryExists(path)).toBe(true);
      expect(existsSync(join(path, 'objects'))).toBe(true);
      paths.push(path);
    }
    await removeGroupRepositories(h.ctx, top);
    expect(paths.map(existsSync)).toEqual([false, false, true]);
  });

  it('a project whose repository cannot be created is removed again (no project without a repository)', async () => {
    const blocked = scratchDir('tollgate-blocked-');
    // The data directory is a file: git cannot create anything under it.
    const file = join(blocked.path, 'not-a-directory');
    writeFileSync(file, '');
    const group = await makeGroup(h, await makeUser(h));
    const project = await makeProject(h, group);
    await expect(createProjectRepository({ ...h.ctx, config: { ...h.ctx.config, dataDir: file } }, { group, project })).rejects.toThrow();
    expect(await findProjectById(h.ctx.database.db, project.id)).toBeUndefined();
    blocked.remove();
  });
});
