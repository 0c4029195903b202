import { describe, expect, it } from 'vitest';
import { GIT_MESSAGES } from '../../domain/git-access.js';
import { gitProtocolOf, parseGitCredentials, parseGitTarget } from './request.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('smart-HTTP request parsing', () => {
  it('reads the group full path and project path, with or without .git, at any depth up to 21 groups (a top-level group and 20 levels of subgroups)', () => {
    expect(parseGitTarget('/a/b/c/proj.git/info/refs?service=git-upload-pack', 'info/refs', 'git-upload-pack')).toEqual({
      ok: true,
      target: { groupFullPath: 'a/b/c', projectPath: 'proj', service: 'git-upload-pack' },
    });
    expect(parseGitTarget('/a/proj/git-receive-pack', 'git-receive-pack', undefined)).toEqual({
      ok: true,
      target: { groupFullPath: 'a', projectPath: 'proj', service: 'git-receive-pack' },
    });
    const deep = Array.from({ length: 21 }, (_, i) => `g${i}`).join('/');
    expect(parseGitTarget(`/${deep}/p.git/git-upload-pack`, 'git-upload-pack', undefined).ok).toBe(true);
    expect(parseGitTarget(`/${deep}/g21/p.git/git-upload-pack`, 'git-upload-pack', undefined).ok).toBe(false);
  });

  it('refuses traversal, encoded characters, empty segments and project-less paths with 400', () => {
    for (const url of ['/../x.git/info/refs', '/a/../x.git/info/refs', '/a/./x.git/info/refs', '/a/%2e%2e/x.git/info/refs', '/a%2Fb/x.git/info/refs', '/a/x%00.git/info/refs', '//x.git/info/refs', '/a//x.git/info/refs', '/x.git/info/refs', '/a/.git/info/refs', '/a/-x/info/refs', '/a\\b/x/info/refs']) {
      expect(parseGitTarget(url, 'info/refs', 'git-upload-pack'), url).toEqual({ ok: false, status: 400, message: 'Invalid repository path' });
    }
  });

  it('accepts only the two smart-HTTP services (403 otherwise)', () => {
    for (const service of [undefined, '', 'git-foo', 'git-upload-archive', 'upload-pack']) {
      expect(parseGitTarget('/a/x.git/info/refs', 'info/refs', service)).toEqual({ ok: false, status: 403, message: GIT_MESSAGES.commandNotAllowed });
    }
  });

  it('§3.5 Basic credentials: any username, the token as password; other schemes and broken headers are told apart', () => {
    expect(parseGitCredentials(undefined)).toEqual({ kind: 'none' });
    expect(parseGitCredentials(basic('anything:glpat-x'))).toEqual({ kind: 'basic', username: 'anything', password: 'glpat-x' });
    expect(parseGitCredentials(`basic  ${Buffer.from('u:p:q').toString('base64')}`)).toEqual({ kind: 'basic', username: 'u', password: 'p:q' });
    expect(parseGitCredentials(basic(':glpat-x'))).toEqual({ kind: 'basic', username: '', password: 'glpat-x' });
    expect(parseGitCredentials('Bearer glpat-x')).toEqual({ kind: 'unsupported' });
    expect(parseGitCredentials('')).toEqual({ kind: 'unsupported' });
    expect(parseGitCredentials('Basic')).toEqual({ kind: 'malformed' });
    expect(parseGitCredentials('Basic !!!')).toEqual({ kind: 'malformed' });
    expect(parseGitCredentials(basic('no-colon'))).toEqual({ kind: 'malformed' });
    expect(parseGitCredentials(basic(`u:${'x'.repeat(3000)}`))).toEqual({ kind: 'malformed' });
  });

  it('passes Git-Protocol on only when it looks like one', () => {
    expect(gitProtocolOf('version=2')).toBe('version=2');
    expect(gitProtocolOf('version=2:object-format=sha1')).toBe('version=2:object-format=sha1');
    expect(gitProtocolOf('version=2\nX=1')).toBeUndefined();
    expect(gitProtocolOf(['version=2', 'version=1'])).toBeUndefined();
  });
});
