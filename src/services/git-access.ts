import { decideGitAccess, GIT_MESSAGES, operationOf, type GitService } from '../domain/git-access.js';
import { gitLookupFor } from '../store/repositories/projects.js';
import type { UserRow } from '../store/schema.js';
import type { Authentication } from './authenticate.js';
import type { TokenAuthenticatedCaller } from './caller.js';
import type { ServiceContext } from './context.js';
import { authenticateBehindIpBan } from './failed-auth-ban.js';
import { repositoryExists, repositoryPath, repositoryRelativePath } from './repositories.js';

/** What the Authorization header held. */
export type GitCredentials =
  | { kind: 'none' }
  /** Basic credentials: any username (§3.5 "any non-blank value"), the token as the password. */
  | { kind: 'basic'; username: string; password: string }
  /** A Basic header that does not decode to `username:password`. */
  | { kind: 'malformed' }
  /** Another scheme (Bearer, Digest…): git over HTTP takes Basic only. */
  | { kind: 'unsupported' };

export interface GitRequest {
  /** As written in the URL; matched without regard to case, as the API does. */
  groupFullPath: string;
  projectPath: string;
  service: GitService;
  credentials: GitCredentials;
  ip: string;
  /** The URL path, for token reuse detection. */
  path: string;
}

export type GitAuthorization =
  | {
      ok: true;
      /** `<group full path>/<project path>.git` as stored (the canonical case), relative to the repositories root. */
      relativePath: string;
      /** Who is asking (the same Caller the API builds from a token); null for an anonymous pull. */
      caller: TokenAuthenticatedCaller | null;
      /** The caller's user, null when anonymous (git http-backend's REMOTE_USER). */
      user: UserRow | null;
      /** How the token's authentication ended, when one was presented (for the metrics). */
      authentication?: Authentication['kind'];
    }
  | { ok: false; status: 401 | 403 | 404; message: string; authentication?: Authentication['kind'] };

type GitRefusal = Extract<GitAuthorization, { ok: false }>;
const refuse = (status: 401 | 403 | 404, message: string, authentication?: Authentication['kind']): GitRefusal => ({
  ok: false,
  status,
  message,
  ...(authentication ? { authentication } : {}),
});
const challenge = (authentication?: Authentication['kind']) => refuse(401, GIT_MESSAGES.accessDenied, authentication);

export type GitAuthentication = { kind: 'anonymous' } | { kind: 'caller'; caller: TokenAuthenticatedCaller } | { kind: 'refused'; refusal: GitRefusal };

/**
 * Authenticates the Basic credentials (tokens only: personal and group access tokens alike, with
 * the API's expiry and revocation rules), counting failures towards the IP ban. The container
 * registry's token endpoint authenticates the same way (GitLab's find_for_git_client, INTEGRATIONS.md §2).
 */
export async function authenticateGitCaller(ctx: ServiceContext, request: Pick<GitRequest, 'credentials' | 'ip' | 'path'>): Promise<GitAuthentication> {
  const { credentials, ip } = request;
  if (credentials.kind === 'none') return { kind: 'anonymous' };
  if (credentials.kind === 'unsupported') return { kind: 'refused', refusal: challenge() };
  // GitLab checks the ban only where credentials are checked: anonymous pulls of public projects still work.
  const usable = credentials.kind === 'basic' && credentials.username.trim() !== '' && credentials.password !== '';
  const result = await authenticateBehindIpBan(ctx, usable ? credentials.password : null, { path: request.path, ip });
  switch (result.kind) {
    case 'ok':
      return { kind: 'caller', caller: result.caller };
    case 'banned':
      return { kind: 'refused', refusal: refuse(403, GIT_MESSAGES.ipBanned) };
    case 'blocked':
      return { kind: 'refused', refusal: refuse(403, GIT_MESSAGES.accountBlocked, 'blocked') };
    case 'failed':
      return { kind: 'refused', refusal: challenge(result.authentication) };
  }
}

/** Who may pull or push this repository (§3.5): the decision, or GitLab's refusal. */
export async function authorizeGitRequest(ctx: ServiceContext, request: GitRequest): Promise<GitAuthorization> {
  // Independent lookups, side by side (on PostgreSQL they are separate round trips).
  const lookup = gitLookupFor(ctx.database);
  const [authentication, found] = await Promise.all([authenticateGitCaller(ctx, request), lookup.project(request.groupFullPath, request.projectPath)]);
  if (authentication.kind === 'refused') return authentication.refusal;
  const caller = authentication.kind === 'caller' ? authentication.caller : null;
  const authenticated = caller ? ('ok' as const) : undefined;
  const level = found && caller ? await lookup.memberLevel(caller.id, found.project, found.group) : 0;
  const decision = decideGitAccess(
    operationOf(request.service),
    caller ? { actor: caller, scopes: caller.token.scopes } : null,
    found ? { visibility: found.project.visibility, memberLevel: level } : null,
  );
  switch (decision.kind) {
    case 'challenge':
      return challenge(authenticated);
    case 'forbidden':
      return refuse(403, decision.message, authenticated);
    case 'not_found':
      return refuse(404, decision.message, authenticated);
  }
  if (!found) return refuse(404, GIT_MESSAGES.projectNotFound, authenticated);
  const { group, project } = found;
  if (!(await repositoryExists(repositoryPath(ctx.config, group, project)))) return refuse(404, GIT_MESSAGES.noRepository, authenticated);
  return { ok: true, relativePath: repositoryRelativePath(group, project), caller, user: caller?.user ?? null, ...(authenticated ? { authentication: authenticated } : {}) };
}
