import { describe, expect, it } from 'vitest';
import { AccessLevel } from './access-levels.js';
import type { Actor } from './permissions.js';
import {
  grantedImageActions,
  grantsCatalog,
  hasRegistryAbility,
  imagePath,
  parseScope,
  refusesEmptyGrant,
  registryAbilities,
  registryTokenTimes,
  requestedScopes,
  type RegistryCaller,
  type RegistryProject,
} from './registry-access.js';

const human: Actor = { id: 1, isAdmin: false, external: false, userType: 'human' };
const bot: Actor = { id: 2, isAdmin: false, external: false, userType: 'project_bot' };
const external: Actor = { ...human, id: 3, external: true };
const admin: Actor = { ...human, id: 4, isAdmin: true };
const as = (actor: Actor, ...scopes: string[]): RegistryCaller => ({ actor, abilities: registryAbilities(scopes) });
const anonymous: RegistryCaller = { actor: null, abilities: registryAbilities(null) };
const privateAt = (memberLevel: number): RegistryProject => ({ visibility: 'private', memberLevel });
const ALL = ['pull', 'push', 'delete', '*'];

describe('container registry scopes and abilities (INTEGRATIONS.md §3.1, GitLab lib/gitlab/auth.rb)', () => {
  it('§3.1 pull needs read_registry, read_api or api', () => {
    for (const scope of ['read_registry', 'read_api', 'api']) {
      expect(grantedImageActions(as(bot, scope), privateAt(AccessLevel.REPORTER), ['pull'])).toEqual(['pull']);
    }
    for (const scope of ['read_repository', 'write_repository', 'write_registry', 'read_virtual_registry', 'write_virtual_registry', 'self_rotate']) {
      expect(grantedImageActions(as(bot, scope), privateAt(AccessLevel.OWNER), ['pull']), scope).toEqual([]);
    }
  });

  it('§3.1 push needs write_registry or api; write_registry does not imply pull (MR !143657: a write_registry-only token can do nothing)', () => {
    const developer = privateAt(AccessLevel.DEVELOPER);
    expect(grantedImageActions(as(bot, 'read_registry', 'write_registry'), developer, ['pull', 'push'])).toEqual(['pull', 'push']);
    expect(grantedImageActions(as(bot, 'api'), developer, ['pull', 'push'])).toEqual(['pull', 'push']);
    expect(grantedImageActions(as(bot, 'write_registry'), developer, ['pull', 'push'])).toEqual(['push']);
    expect(grantedImageActions(as(bot, 'read_registry', 'read_api'), developer, ['push'])).toEqual([]);
  });

  it('§3.1 delete and * need api (admin_container_image): read_registry + write_registry is not enough', () => {
    expect(grantedImageActions(as(bot, 'api'), privateAt(AccessLevel.MAINTAINER), ['delete', '*'])).toEqual(['delete', '*']);
    expect(grantedImageActions(as(bot, 'read_registry', 'write_registry', 'read_api'), privateAt(AccessLevel.OWNER), ['delete', '*'])).toEqual([]);
  });

  it('§3 step 2: a token without any registry ability (read_repository only) has none; anonymous callers have read_container_image', () => {
    expect(hasRegistryAbility(registryAbilities(['read_repository']))).toBe(false);
    expect(hasRegistryAbility(registryAbilities(['write_repository', 'self_rotate', 'read_virtual_registry']))).toBe(false);
    expect(hasRegistryAbility(registryAbilities(['write_registry']))).toBe(true);
    expect([...registryAbilities(null)]).toEqual(['read_container_image']);
  });

  it('actions other than pull, push, delete and * are never granted', () => {
    expect(grantedImageActions(as(admin, 'api'), privateAt(0), ['pull', 'tag', 'PUSH', '', 'push'])).toEqual(['pull', 'push']);
  });
});

describe('container registry roles and visibility (INTEGRATIONS.md §3.2, GitLab app/policies/project_policy.rb)', () => {
  const readRegistry = (actor: Actor) => as(actor, 'read_registry');

  it('§3.2 pull of a private project needs Reporter: a Guest may not pull', () => {
    expect(grantedImageActions(readRegistry(human), privateAt(AccessLevel.REPORTER), ['pull'])).toEqual(['pull']);
    expect(grantedImageActions(readRegistry(human), privateAt(AccessLevel.GUEST), ['pull'])).toEqual([]);
    expect(grantedImageActions(readRegistry(human), privateAt(AccessLevel.PLANNER), ['pull'])).toEqual([]);
    expect(grantedImageActions(readRegistry(bot), privateAt(0), ['pull'])).toEqual([]);
  });

  it('§3.2 a public project is pulled by anyone, anonymous included; an internal one by signed-in users who are not external', () => {
    const publicProject: RegistryProject = { visibility: 'public', memberLevel: 0 };
    const internalProject: RegistryProject = { visibility: 'internal', memberLevel: 0 };
    expect(grantedImageActions(anonymous, publicProject, ['pull', 'push'])).toEqual(['pull']);
    expect(grantedImageActions(anonymous, internalProject, ['pull'])).toEqual([]);
    expect(grantedImageActions(anonymous, privateAt(0), ['pull'])).toEqual([]);
    expect(grantedImageActions(readRegistry(human), internalProject, ['pull'])).toEqual(['pull']);
    // Seeds: group access tokens are internal users.
    expect(grantedImageActions(readRegistry(bot), internalProject, ['pull'])).toEqual(['pull']);
    expect(grantedImageActions(readRegistry(external), internalProject, ['pull'])).toEqual([]);
    expect(grantedImageActions(readRegistry(external), { visibility: 'internal', memberLevel: AccessLevel.REPORTER }, ['pull'])).toEqual(['pull']);
    expect(grantedImageActions(readRegistry(external), publicProject, ['pull'])).toEqual(['pull']);
  });

  it('§3.2 push needs Developer: a Reporter may not push, and a public project is no exception', () => {
    const writer = (actor: Actor) => as(actor, 'read_registry', 'write_registry');
    expect(grantedImageActions(writer(bot), privateAt(AccessLevel.REPORTER), ['pull', 'push'])).toEqual(['pull']);
    expect(grantedImageActions(writer(bot), privateAt(AccessLevel.DEVELOPER), ['pull', 'push'])).toEqual(['pull', 'push']);
    expect(grantedImageActions(writer(human), { visibility: 'public', memberLevel: 0 }, ['pull', 'push'])).toEqual(['pull']);
  });

  it('§3.2 delete and * need Maintainer', () => {
    expect(grantedImageActions(as(bot, 'api'), privateAt(AccessLevel.DEVELOPER), ALL)).toEqual(['pull', 'push']);
    expect(grantedImageActions(as(bot, 'api'), privateAt(AccessLevel.MAINTAINER), ALL)).toEqual(ALL);
  });

  it('§3.2 instance administrators have every ability their token carries, member or not', () => {
    expect(grantedImageActions(as(admin, 'api'), privateAt(0), ALL)).toEqual(ALL);
    expect(grantedImageActions(as(admin, 'read_registry'), privateAt(0), ALL)).toEqual(['pull']);
  });

  it('§3 registry:catalog:* is granted to administrators only, and only exactly "*"', () => {
    const catalog = parseScope('registry:catalog:*')!;
    expect(grantsCatalog(admin, catalog)).toBe(true);
    expect(grantsCatalog(human, catalog)).toBe(false);
    expect(grantsCatalog(null, catalog)).toBe(false);
    expect(grantsCatalog(admin, parseScope('registry:catalog:pull')!)).toBe(false);
    expect(grantsCatalog(admin, parseScope('registry:catalog:*,pull')!)).toBe(false);
    expect(grantsCatalog(admin, parseScope('registry:other:*')!)).toBe(false);
  });

  it('§3 step 3: an anonymous caller granted nothing is refused; a signed-in one gets an empty token (docker login)', () => {
    expect(refusesEmptyGrant(anonymous, 0)).toBe(true);
    expect(refusesEmptyGrant(anonymous, 1)).toBe(false);
    expect(refusesEmptyGrant(as(bot, 'read_registry'), 0)).toBe(false);
  });
});

describe('container registry scope parameters (INTEGRATIONS.md §2, GitLab JwtController)', () => {
  it('§2 every scope parameter counts, each split on whitespace', () => {
    expect(requestedScopes(['repository:a/b:pull  repository:a/c:push', 'registry:catalog:*', ''])).toEqual([
      'repository:a/b:pull',
      'repository:a/c:push',
      'registry:catalog:*',
    ]);
  });

  it("§3 process_scope: type, name and actions as Ruby's split(':', 3) and split(',') read them", () => {
    expect(parseScope('repository:grp/proj:pull,push')).toEqual({ type: 'repository', name: 'grp/proj', actions: ['pull', 'push'] });
    expect(parseScope('repository:grp/proj:pull:push')).toEqual({ type: 'repository', name: 'grp/proj', actions: ['pull:push'] });
    expect(parseScope('repository:grp/proj:')).toEqual({ type: 'repository', name: 'grp/proj', actions: [] });
    expect(parseScope('repository:grp/proj')).toBeNull();
    expect(parseScope('nonsense')).toBeNull();
  });
});

describe('container repository names (INTEGRATIONS.md §3.3, GitLab lib/container_registry/path.rb)', () => {
  it('§3.3 the name is lower-cased; the project is the full path or one or two levels above it, longest first', () => {
    expect(imagePath('Grp/Sub/Proj/App/Web')).toEqual({
      name: 'grp/sub/proj/app/web',
      projectCandidates: [
        { groupFullPath: 'grp/sub/proj/app', projectPath: 'web' },
        { groupFullPath: 'grp/sub/proj', projectPath: 'app' },
        { groupFullPath: 'grp/sub', projectPath: 'proj' },
      ],
    });
    expect(imagePath('grp/proj')!.projectCandidates).toEqual([{ groupFullPath: 'grp', projectPath: 'proj' }]);
    expect(imagePath('grp/proj/app')!.projectCandidates).toEqual([
      { groupFullPath: 'grp/proj', projectPath: 'app' },
      { groupFullPath: 'grp', projectPath: 'proj' },
    ]);
  });

  it('§3.3 names of one component, of 20 or more, or outside distribution\'s grammar are not accepted', () => {
    expect(imagePath('proj')).toBeNull();
    expect(imagePath(Array.from({ length: 19 }, (_, i) => `c${i}`).join('/'))).not.toBeNull();
    expect(imagePath(Array.from({ length: 20 }, (_, i) => `c${i}`).join('/'))).toBeNull();
    for (const bad of ['grp//proj', 'grp/proj/', '/grp/proj', 'grp/-proj', 'grp/proj.', 'grp/pr oj', 'grp/proj:tag', 'grp/../proj', 'grp/pr%2Foj']) {
      expect(imagePath(bad), bad).toBeNull();
    }
    for (const good of ['grp/my-proj', 'grp/my__proj', 'grp/my.proj', 'grp/my_proj', 'grp/my---proj', 'g1/p2/a-b.c_d']) {
      expect(imagePath(good), good).not.toBeNull();
    }
  });

  it('a long hostile name is checked in linear time', () => {
    const started = performance.now();
    expect(imagePath(`a/${'a'.repeat(100_000)}!`)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('registry token times (INTEGRATIONS.md §4, GitLab lib/json_web_token/token.rb)', () => {
  it('§4 whole seconds: iat now, nbf 5 s before, exp after container_registry_token_expire_delay minutes', () => {
    expect(registryTokenTimes(new Date('2026-06-15T12:00:00.999Z'), 5)).toEqual({ iat: 1781524800, nbf: 1781524795, exp: 1781525100 });
    expect(registryTokenTimes(new Date('2026-06-15T12:00:00.000Z'), 15).exp - 1781524800).toBe(900);
  });
});
