import { describe, expect, it } from 'vitest';
import { AccessLevel } from './access-levels.js';
import { decideGitAccess, GIT_MESSAGES, isGitService, operationOf, type GitCaller } from './git-access.js';
import type { Actor } from './permissions.js';

const human: Actor = { id: 1, isAdmin: false, external: false, userType: 'human' };
const bot: Actor = { id: 2, isAdmin: false, external: false, userType: 'project_bot' };
const external: Actor = { ...human, id: 3, external: true };
const admin: Actor = { ...human, id: 4, isAdmin: true };
const as = (actor: Actor, ...scopes: string[]): GitCaller => ({ actor, scopes });

describe('Git access rules (§3.5)', () => {
  it('anonymous callers pull public projects only; everything else is challenged without revealing existence', () => {
    expect(decideGitAccess('pull', null, { visibility: 'public', memberLevel: 0 })).toEqual({ kind: 'allowed' });
    expect(decideGitAccess('push', null, { visibility: 'public', memberLevel: 0 })).toEqual({ kind: 'challenge' });
    expect(decideGitAccess('pull', null, { visibility: 'internal', memberLevel: 0 })).toEqual({ kind: 'challenge' });
    expect(decideGitAccess('pull', null, { visibility: 'private', memberLevel: 0 })).toEqual({ kind: 'challenge' });
    expect(decideGitAccess('pull', null, null)).toEqual({ kind: 'challenge' });
  });

  it('§3.5 pull needs read_repository, write_repository, api or read_api', () => {
    const project = { visibility: 'private' as const, memberLevel: AccessLevel.REPORTER };
    for (const scope of ['read_repository', 'write_repository', 'api', 'read_api']) {
      expect(decideGitAccess('pull', as(bot, scope), project)).toEqual({ kind: 'allowed' });
    }
    for (const scope of ['read_registry', 'create_runner', 'self_rotate', 'read_user']) {
      expect(decideGitAccess('pull', as(bot, scope), project)).toEqual({ kind: 'forbidden', message: GIT_MESSAGES.authDownload });
    }
  });

  it('§3.5 push needs write_repository or api, and Developer or higher', () => {
    const developer = { visibility: 'private' as const, memberLevel: AccessLevel.DEVELOPER };
    expect(decideGitAccess('push', as(bot, 'write_repository'), developer)).toEqual({ kind: 'allowed' });
    expect(decideGitAccess('push', as(bot, 'api'), developer)).toEqual({ kind: 'allowed' });
    for (const scope of ['read_repository', 'read_api']) {
      expect(decideGitAccess('push', as(bot, scope), developer)).toEqual({ kind: 'forbidden', message: GIT_MESSAGES.authUpload });
    }
    const reporter = { visibility: 'private' as const, memberLevel: AccessLevel.REPORTER };
    expect(decideGitAccess('push', as(bot, 'write_repository'), reporter)).toEqual({ kind: 'forbidden', message: GIT_MESSAGES.pushCode });
    // A public project is readable by anyone, but pushing still needs the role.
    expect(decideGitAccess('push', as(human, 'api'), { visibility: 'public', memberLevel: 0 })).toEqual({ kind: 'forbidden', message: GIT_MESSAGES.pushCode });
    expect(decideGitAccess('push', as(admin, 'api'), { visibility: 'private', memberLevel: 0 })).toEqual({ kind: 'allowed' });
  });

  it('seeds: group access tokens are internal users — internal projects of other groups are readable, private ones are not found', () => {
    expect(decideGitAccess('pull', as(bot, 'read_repository'), { visibility: 'internal', memberLevel: 0 })).toEqual({ kind: 'allowed' });
    expect(decideGitAccess('pull', as(bot, 'read_repository'), { visibility: 'private', memberLevel: 0 })).toEqual({
      kind: 'not_found',
      message: GIT_MESSAGES.projectNotFound,
    });
    expect(decideGitAccess('pull', as(external, 'read_repository'), { visibility: 'internal', memberLevel: 0 }).kind).toBe('not_found');
    expect(decideGitAccess('pull', as(bot, 'read_repository'), null).kind).toBe('not_found');
  });

  it('private code needs Reporter: a Guest sees the project but may not download', () => {
    expect(decideGitAccess('pull', as(bot, 'read_repository'), { visibility: 'private', memberLevel: AccessLevel.GUEST })).toEqual({
      kind: 'forbidden',
      message: GIT_MESSAGES.download,
    });
  });

  it('scopes are checked before the project, so a token without repository scopes learns nothing about it', () => {
    expect(decideGitAccess('pull', as(bot, 'read_registry'), null)).toEqual({ kind: 'forbidden', message: GIT_MESSAGES.authDownload });
  });

  it('services map to operations; anything else is not a service', () => {
    expect(operationOf('git-upload-pack')).toBe('pull');
    expect(operationOf('git-receive-pack')).toBe('push');
    expect(isGitService('git-upload-archive')).toBe(false);
    expect(isGitService('git-foo')).toBe(false);
  });
});
