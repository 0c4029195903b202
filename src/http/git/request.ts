import { GIT_MESSAGES, isGitService, type GitService } from '../../domain/git-access.js';
import type { GitCredentials } from '../../services/git-access.js';

/**
 * Reading a smart-HTTP request: `/<group full path>/<project path>[.git]/<action>` and the
 * Authorization header. Everything is checked against what a group or project path may contain, so
 * `..`, encoded slashes, NUL bytes and the like never reach a lookup, let alone git.
 */

export const GIT_ACTIONS = ['info/refs', 'git-upload-pack', 'git-receive-pack'] as const;
export type GitAction = (typeof GIT_ACTIONS)[number];

/** A top-level group and GitLab's 20 levels of subgroups. */
export const MAX_GROUP_DEPTH = 21;

/** Plain path characters only: no '%' (so no encoded '/', '\0' or '..'), no '\\', no ';'. */
const URL_PATH = /^\/[A-Za-z0-9_.\-/]+$/;
const SEGMENT = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,254}$/;
const GIT_SUFFIX = '.git';
/** A Basic header carrying `username:token` is short; anything much longer is not credentials. */
const MAX_AUTHORIZATION_LENGTH = 2048;

export interface GitTarget {
  groupFullPath: string;
  projectPath: string;
  service: GitService;
}

export type GitTargetResult = { ok: true; target: GitTarget } | { ok: false; status: 400 | 403; message: string };

const badPath = { ok: false, status: 400, message: 'Invalid repository path' } as const;

/**
 * `url` is the raw request URL (path and query as sent). `service` is the `?service=` of
 * `info/refs`; the POST endpoints name their service in the path.
 */
export function parseGitTarget(url: string, action: GitAction, service: string | undefined): GitTargetResult {
  const path = url.split('?', 1)[0]!;
  const suffix = `/${action}`;
  if (!URL_PATH.test(path) || !path.endsWith(suffix)) return badPath;
  const segments = path.slice(1, -suffix.length).split('/');
  if (segments.length < 2 || segments.length > MAX_GROUP_DEPTH + 1) return badPath;
  const last = segments.pop()!;
  const projectPath = last.endsWith(GIT_SUFFIX) ? last.slice(0, -GIT_SUFFIX.length) : last;
  if (![...segments, projectPath].every((s) => SEGMENT.test(s))) return badPath;
  const requested = action === 'info/refs' ? service : action;
  if (!isGitService(requested)) return { ok: false, status: 403, message: GIT_MESSAGES.commandNotAllowed };
  return { ok: true, target: { groupFullPath: segments.join('/'), projectPath, service: requested } };
}

/** HTTP Basic (RFC 7617): `Basic base64(username:password)`. The username is not checked here. */
export function parseGitCredentials(header: string | undefined): GitCredentials {
  if (header === undefined) return { kind: 'none' };
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match || header.length > MAX_AUTHORIZATION_LENGTH) return { kind: /^basic\b/i.test(header) ? 'malformed' : 'unsupported' };
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'malformed' };
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Git-Protocol (`version=2`) goes to git as GIT_PROTOCOL; only the characters its grammar uses. */
export function gitProtocolOf(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^[A-Za-z0-9=:._-]{1,256}$/.test(header) ? header : undefined;
}
