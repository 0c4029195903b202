import { canDownloadCode, canPushCode, canRead, type Actor, type Visibility } from './permissions.js';
import { canDownloadCodeWithScopes, canPushCodeWithScopes } from './scopes.js';

/**
 * Who may pull and push over Git smart HTTP (§3.5; GitLab's Gitlab::GitAccess and
 * Repositories::GitHttpClientController). The failed-authentication ban is failed-auth-ban.ts's.
 */

export const GIT_SERVICES = ['git-upload-pack', 'git-receive-pack'] as const;
export type GitService = (typeof GIT_SERVICES)[number];
export type GitOperation = 'pull' | 'push';

export function isGitService(value: unknown): value is GitService {
  return (GIT_SERVICES as readonly unknown[]).includes(value);
}

export const operationOf = (service: GitService): GitOperation => (service === 'git-receive-pack' ? 'push' : 'pull');

/** GitLab's own words (Gitlab::GitAccess::ERROR_MESSAGES, Gitlab::Auth::IpBlocked), so clients and docs match. */
export const GIT_MESSAGES = {
  accessDenied:
    'HTTP Basic: Access denied. Use any non-blank username and a personal or group access token as the password. If a token was provided, it was either incorrect, expired, or revoked.',
  authDownload: 'You are not allowed to download code.',
  authUpload: 'You are not allowed to upload code.',
  download: 'You are not allowed to download code from this project.',
  pushCode: 'You are not allowed to push code to this project.',
  projectNotFound: "The project you were looking for could not be found or you don't have permission to view it.",
  noRepository: 'A repository for this project does not exist yet.',
  commandNotAllowed: "The command you're trying to execute is not allowed.",
  accountBlocked: 'Your account has been blocked.',
  ipBanned: 'Too many failed authentication attempts from this IP',
} as const;

export interface GitCaller {
  actor: Actor;
  scopes: readonly string[];
}

export interface GitProjectAccess {
  visibility: Visibility;
  /** The caller's effective role on the project (0 when none). */
  memberLevel: number;
}

export type GitAccessDecision =
  | { kind: 'allowed' }
  /** 401 with the Basic challenge: git sends credentials only after it. */
  | { kind: 'challenge' }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not_found'; message: string };

const allowed: GitAccessDecision = { kind: 'allowed' };
const forbidden = (message: string): GitAccessDecision => ({ kind: 'forbidden', message });
const notFound: GitAccessDecision = { kind: 'not_found', message: GIT_MESSAGES.projectNotFound };

/**
 * GitLab's order: anonymous callers may only pull public projects (anything else is challenged,
 * without saying whether the project exists); then the token's scopes (403); then whether the
 * caller may see the project (404); then the role for the operation (403). `project` is null when
 * no project has the path.
 */
export function decideGitAccess(operation: GitOperation, caller: GitCaller | null, project: GitProjectAccess | null): GitAccessDecision {
  if (!caller) return operation === 'pull' && project?.visibility === 'public' ? allowed : { kind: 'challenge' };
  if (operation === 'pull' && !canDownloadCodeWithScopes(caller.scopes)) return forbidden(GIT_MESSAGES.authDownload);
  if (operation === 'push' && !canPushCodeWithScopes(caller.scopes)) return forbidden(GIT_MESSAGES.authUpload);
  if (!project || !canRead(caller.actor, project.visibility, project.memberLevel)) return notFound;
  if (operation === 'pull') return canDownloadCode(caller.actor, project.visibility, project.memberLevel) ? allowed : forbidden(GIT_MESSAGES.download);
  return canPushCode(caller.actor, project.memberLevel) ? allowed : forbidden(GIT_MESSAGES.pushCode);
}
