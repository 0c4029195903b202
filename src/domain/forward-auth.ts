import { AccessLevel } from './access-levels.js';
import { failure } from './errors.js';
import { canRead, effectiveLevel, type Actor, type Visibility } from './permissions.js';
import { ok, type Result } from './result.js';
import { hasAnyScope } from './scopes.js';

/**
 * Forward auth (`/-/forward-auth`): a reverse proxy asks whether a request may reach the service it
 * protects (../shared/INTEGRATIONS.md Part B). GitLab has none; these are Tollgate's rules, built
 * from the API's (scopes, roles inherited down the hierarchy, admins as Owner).
 */

export type ForwardAuthOperation = 'read' | 'write';

/** Methods that only read (RFC 9110's safe methods, without TRACE). Anything else writes. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ClaimedMethods {
  /** `X-Forwarded-Method` (Traefik, Caddy). */
  forwarded: string | undefined;
  /** `X-Original-Method` (the nginx convention). */
  original: string | undefined;
  /** The method of the request to Tollgate itself. */
  own: string;
}

/**
 * What the original request does: the stricter of the two method headers when either is present
 * (INTEGRATIONS.md §6.2: nginx passes a client's `X-Forwarded-Method` on, Traefik a client's
 * `X-Original-Method`, so trusting one of them first lets a client turn a write into a read), else
 * the request's own method (Traefik's `preserveRequestMethod`, direct callers). A method that is
 * not exactly a read method (lower case, a list, garbage) counts as a write.
 */
export function originalOperation(methods: ClaimedMethods): ForwardAuthOperation {
  const claimed = [methods.forwarded, methods.original].filter((method) => method !== undefined);
  return (claimed.length > 0 ? claimed : [methods.own]).every((method) => READ_METHODS.has(method)) ? 'read' : 'write';
}

/**
 * Without `scope=`: GitLab's API scopes for the operation, `read_api` or `api` for reads, `api`
 * for writes (INTEGRATIONS.md §6.3: `api` passes wherever `read_api` does).
 */
const DEFAULT_SCOPES: Record<ForwardAuthOperation, readonly string[]> = { read: ['read_api', 'api'], write: ['api'] };
/** Without `min_access_level=`: Reporter to read, Developer to write (GitLab's download and push roles). */
const DEFAULT_MIN_ACCESS_LEVEL: Record<ForwardAuthOperation, number> = { read: AccessLevel.REPORTER, write: AccessLevel.DEVELOPER };

/** The operator's query, as the route validated it (each value well-formed on its own). */
export interface ForwardAuthQuery {
  group?: string | undefined;
  project?: string | undefined;
  scope?: readonly string[] | undefined;
  min_access_level?: number | undefined;
  challenge?: 'bearer' | 'basic' | undefined;
}

/** What a token must have for this request. */
export interface ForwardAuthRequirement {
  /** A group's or a project's full path, as the operator wrote it (matched without regard to case). */
  target: { kind: 'group' | 'project'; fullPath: string };
  /** The token needs one of these. */
  scopes: readonly string[];
  minAccessLevel: number;
  challenge: 'bearer' | 'basic';
}

/** The requirement of one request, or Grape's words for a query without exactly one of group and project. */
export function forwardAuthRequirement(query: ForwardAuthQuery, operation: ForwardAuthOperation): Result<ForwardAuthRequirement> {
  const { group, project } = query;
  if (group !== undefined && project !== undefined) return failure('invalid_parameter', 'group, project are mutually exclusive');
  if (group === undefined && project === undefined) return failure('invalid_parameter', 'group, project are missing, exactly one parameter must be provided');
  return ok({
    target: group !== undefined ? { kind: 'group', fullPath: group } : { kind: 'project', fullPath: project! },
    scopes: query.scope && query.scope.length > 0 ? query.scope : DEFAULT_SCOPES[operation],
    minAccessLevel: query.min_access_level ?? DEFAULT_MIN_ACCESS_LEVEL[operation],
    challenge: query.challenge ?? 'bearer',
  });
}

export const hasRequiredScope = (tokenScopes: readonly string[], requirement: ForwardAuthRequirement): boolean => hasAnyScope(tokenScopes, requirement.scopes);

/** The group or project as the caller stands on it; null when no such path exists. */
export interface ForwardAuthTarget {
  visibility: Visibility;
  /** The caller's highest membership of it or of a group above it (0 if none). */
  memberLevel: number;
}

export type ForwardAuthRoleDecision = { kind: 'allowed'; accessLevel: number } | { kind: 'forbidden' };

/**
 * The role check, after the scopes: the user must see the group or project and hold at least the
 * minimum role on it, administrators counting as Owner (as the API's checks). An unknown path is
 * refused exactly as a hidden one (INTEGRATIONS.md §6.1: never a 404).
 */
export function decideRole(actor: Actor, target: ForwardAuthTarget | null, minAccessLevel: number): ForwardAuthRoleDecision {
  if (!target || !canRead(actor, target.visibility, target.memberLevel)) return { kind: 'forbidden' };
  const accessLevel = effectiveLevel(actor, target.memberLevel);
  return accessLevel >= minAccessLevel ? { kind: 'allowed', accessLevel } : { kind: 'forbidden' };
}

export const FORWARD_AUTH_REALM = 'Tollgate';

/**
 * The one `WWW-Authenticate` line of a 401 (nginx before 1.23 passes only the first line on,
 * INTEGRATIONS.md §1). Bearer: RFC 6750 §3, `invalid_token` only when a token was presented.
 * Basic (`challenge=basic`) makes browsers and git ask for a username and password.
 */
export function forwardAuthChallenge(challenge: 'bearer' | 'basic', tokenPresented: boolean): string {
  if (challenge === 'basic') return `Basic realm="${FORWARD_AUTH_REALM}"`;
  return tokenPresented ? `Bearer realm="${FORWARD_AUTH_REALM}", error="invalid_token"` : `Bearer realm="${FORWARD_AUTH_REALM}"`;
}
