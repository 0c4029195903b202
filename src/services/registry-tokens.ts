import { randomUUID } from 'node:crypto';
import {
  grantedImageActions,
  grantsCatalog,
  hasRegistryAbility,
  imagePath,
  parseScope,
  refusesEmptyGrant,
  REGISTRY_ERRORS,
  REGISTRY_SERVICE,
  registryAbilities,
  registryTokenTimes,
  type ImagePath,
  type RegistryCaller,
} from '../domain/registry-access.js';
import { rootGroupId } from '../store/repositories/groups.js';
import { gitLookupFor, type GitLookup } from '../store/repositories/projects.js';
import { openRegistrySigningKey, registryCertificatePath, type RegistrySigningKey } from '../store/registry-signing-key.js';
import type { Authentication } from './authenticate.js';
import type { TokenAuthenticatedCaller } from './caller.js';
import type { ServiceContext } from './context.js';
import { authenticateGitCaller, type GitCredentials } from './git-access.js';
import { getSettings } from './settings.js';

/**
 * The container registry's token service (GitLab's JwtController and
 * Auth::ContainerRegistryAuthenticationService, INTEGRATIONS.md §2–§4): authenticates as Git over
 * HTTP does, grants what the caller may do to the images asked for, and signs that into a JWT the
 * registry verifies offline.
 */

export interface RegistryTokenRequest {
  service: string | undefined;
  /** The scopes asked for, each `type:name:actions` (already split on whitespace). */
  scopes: readonly string[];
  credentials: GitCredentials;
  ip: string;
  /** The URL path, for token reuse detection. */
  path: string;
}

/** One entry of the token's `access` claim (distribution's ResourceActions; `meta` is GitLab's, ignored by distribution). */
export interface GrantedAccess {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
  meta?: { project_path: string; project_id: number; root_namespace_id: number };
}

export interface RegistryError {
  code: string;
  message: string;
}

/** `authentication`: how the token's authentication ended, when one was checked (for the metrics). */
export type RegistryTokenOutcome = (
  | { ok: true; token: string; expiresInSeconds: number; issuedAt: string }
  /** `error` null: an empty body (GitLab's `head :not_found` for a service it does not know). */
  | { ok: false; status: 401 | 403 | 404; error: RegistryError | null }
) & { caller: TokenAuthenticatedCaller | null; authentication?: Authentication['kind'] };

const refuse = (status: 401 | 403 | 404, error: RegistryError | null, caller: TokenAuthenticatedCaller | null = null, authentication?: Authentication['kind']): RegistryTokenOutcome => ({
  ok: false,
  status,
  error,
  caller,
  ...(authentication ? { authentication } : {}),
});

/** The registry's signing key, made on the first start with the registry enabled; null when it is not (no TOLLGATE_REGISTRY_URL). */
export async function registrySigningKey(ctx: Pick<ServiceContext, 'config' | 'clock'>): Promise<RegistrySigningKey | null> {
  return ctx.config.registryUrl ? openRegistrySigningKey(ctx.config.dataDir, ctx.clock.now()) : null;
}

/** What the registry's `auth: token:` configuration must say (INTEGRATIONS.md §7); makes the key and certificate when needed. */
export async function registryTokenAuthSettings(ctx: Pick<ServiceContext, 'config' | 'clock'>) {
  const { config } = ctx;
  await openRegistrySigningKey(config.dataDir, ctx.clock.now());
  return { realm: `${config.externalUrl}/jwt/auth`, service: REGISTRY_SERVICE, issuer: config.registryIssuer, rootcertbundle: registryCertificatePath(config.dataDir) };
}

/** GitLab's `auth_type` claim: every Tollgate token is a personal access token (of a human or a bot). */
const authTypeOf = (caller: TokenAuthenticatedCaller | null) => (caller ? 'personal_access_token' : 'none');

/**
 * `signingKey` is null when the registry is not enabled. Failed authentications count towards the
 * Git IP ban, as GitLab's rate limiter counts them for both (§2).
 */
export async function issueRegistryToken(ctx: ServiceContext, signingKey: RegistrySigningKey | null, request: RegistryTokenRequest): Promise<RegistryTokenOutcome> {
  if (!signingKey) return refuse(404, REGISTRY_ERRORS.unavailable);
  const authentication = await authenticateGitCaller(ctx, request);
  if (authentication.kind === 'refused') {
    const { status, message, authentication: checked } = authentication.refusal;
    // 401: unknown, expired, revoked or rotated-away; 403: a blocked account or a banned IP, in Git's words.
    return status === 401 ? refuse(401, REGISTRY_ERRORS.unauthorized, null, checked) : refuse(403, { code: REGISTRY_ERRORS.denied.code, message }, null, checked);
  }
  const caller = authentication.kind === 'caller' ? authentication.caller : null;
  const authenticated = caller ? ('ok' as const) : undefined;
  // After authentication, as GitLab's `auth` action (bad credentials are a 401 whatever the service).
  if (request.service !== REGISTRY_SERVICE) return refuse(404, null, caller, authenticated);
  const registryCaller: RegistryCaller = { actor: caller, abilities: registryAbilities(caller ? caller.token.scopes : null) };
  if (!hasRegistryAbility(registryCaller.abilities)) return refuse(403, REGISTRY_ERRORS.denied, caller, authenticated);
  const access = await grantedAccess(ctx, registryCaller, request.scopes);
  if (refusesEmptyGrant(registryCaller, access.length)) return refuse(403, REGISTRY_ERRORS.denied, caller);

  const { container_registry_token_expire_delay: expireDelayMinutes } = await getSettings(ctx.database.db);
  const { iat, nbf, exp } = registryTokenTimes(ctx.clock.now(), expireDelayMinutes);
  // Loaded on the first registry token, not at start (a tenth of a second, for instances without a registry).
  const { SignJWT } = await import('jose');
  const jwt = new SignJWT({ access, auth_type: authTypeOf(caller) })
    // `kid` for distribution 2.8, `x5c` for 3.x (§5 "Portability").
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signingKey.keyId, x5c: [signingKey.certificateBase64Der] })
    .setJti(randomUUID())
    .setIssuer(ctx.config.registryIssuer)
    // A string, never a list: distribution 2.8 refuses a list (§5).
    .setAudience(REGISTRY_SERVICE)
    .setIssuedAt(iat)
    .setNotBefore(nbf)
    .setExpirationTime(exp);
  if (caller) jwt.setSubject(caller.user.username);
  const token = await jwt.sign(signingKey.privateKey);
  return { ok: true, token, expiresInSeconds: exp - iat, issuedAt: new Date(iat * 1000).toISOString(), caller, ...(authenticated ? { authentication: authenticated } : {}) };
}

/** §3 `scopes`: what is not granted is left out. */
async function grantedAccess(ctx: ServiceContext, caller: RegistryCaller, scopes: readonly string[]): Promise<GrantedAccess[]> {
  const lookup = gitLookupFor(ctx.database);
  const granted: GrantedAccess[] = [];
  for (const scope of scopes) {
    const requested = parseScope(scope);
    if (!requested) continue;
    if (requested.type === 'registry') {
      if (grantsCatalog(caller.actor, requested)) granted.push({ type: 'registry', name: 'catalog', actions: ['*'] });
      continue;
    }
    if (requested.type !== 'repository') continue;
    const path = imagePath(requested.name);
    const found = path && (await imageProject(lookup, path));
    if (!path || !found) continue;
    const { group, project } = found;
    const memberLevel = caller.actor ? await lookup.memberLevel(caller.actor.id, project, group) : 0;
    const actions = grantedImageActions(caller, { visibility: project.visibility, memberLevel }, requested.actions);
    if (actions.length === 0) continue;
    const meta = { project_path: `${group.full_path}/${project.path}`.toLowerCase(), project_id: project.id, root_namespace_id: rootGroupId(group) };
    granted.push({ type: 'repository', name: path.name, actions, meta });
  }
  return granted;
}

/** §3.3: the first of the candidate paths that is a project (the longest). */
async function imageProject(lookup: GitLookup, path: ImagePath) {
  for (const candidate of path.projectCandidates) {
    const found = await lookup.project(candidate.groupFullPath, candidate.projectPath);
    if (found) return found;
  }
  return undefined;
}
