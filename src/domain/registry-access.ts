import { AccessLevel } from './access-levels.js';
import { GIT_MESSAGES } from './git-access.js';
import { effectiveLevel, type Actor, type Visibility } from './permissions.js';

/**
 * Who may pull, push and delete which container images: GitLab's container registry token
 * service (INTEGRATIONS.md §3, Auth::ContainerRegistryAuthenticationService), its scope table
 * (§3.1), its roles (§3.2) and its image names (§3.3). Pure rules; the lookups are the service's.
 */

/** The one `service` Tollgate signs tokens for (GitLab's SERVICES: `dependency_proxy` is not served). */
export const REGISTRY_SERVICE = 'container_registry';

/** GitLab's Docker-style error bodies of the token endpoint (§2, §3); credentials are refused in Git's words (same prefix as GitLab's). */
export const REGISTRY_ERRORS = {
  unauthorized: { code: 'UNAUTHORIZED', message: GIT_MESSAGES.accessDenied },
  unavailable: { code: 'UNAVAILABLE', message: 'registry not enabled' },
  denied: { code: 'DENIED', message: 'access forbidden' },
} as const;

export type RegistryAbility = 'read_container_image' | 'create_container_image' | 'admin_container_image';

/** §3.1 `abilities_for_scopes`, the registry part; the same for personal, group and project tokens. */
const SCOPE_ABILITIES: Partial<Record<string, readonly RegistryAbility[]>> = {
  api: ['read_container_image', 'create_container_image', 'admin_container_image'],
  read_api: ['read_container_image'],
  read_registry: ['read_container_image'],
  // Not read_container_image: a write_registry-only token can do nothing (§3.1, MR !143657).
  write_registry: ['create_container_image'],
};

/** §2: no credentials at all is GitLab's `read_only_authentication_abilities`. */
const ANONYMOUS_ABILITIES: readonly RegistryAbility[] = ['read_container_image'];

/** What a token may do in the registry, before roles; null scopes stand for an anonymous caller. */
export function registryAbilities(scopes: readonly string[] | null): ReadonlySet<RegistryAbility> {
  if (scopes === null) return new Set(ANONYMOUS_ABILITIES);
  return new Set(scopes.flatMap((scope) => SCOPE_ABILITIES[scope] ?? []));
}

/** §3 step 2: without any registry ability the request is refused before any scope is looked at. */
export const hasRegistryAbility = (abilities: ReadonlySet<RegistryAbility>): boolean => abilities.size > 0;

/** More than a client asks for at once (skopeo asks up to three, §1); each costs up to four lookups. */
export const MAX_REQUESTED_SCOPES = 32;

/** §2: every `scope` parameter, each split on whitespace (RFC 6749 §3.3). */
export const requestedScopes = (parameters: readonly string[]): string[] => parameters.flatMap((parameter) => parameter.split(/\s+/).filter(Boolean));

export interface RequestedAccess {
  type: string;
  name: string;
  actions: string[];
}

/** `type:name:actions` as Ruby's `split(':', 3)` reads it (the name may not hold a colon, the actions may); null without actions. */
export function parseScope(scope: string): RequestedAccess | null {
  const first = scope.indexOf(':');
  const second = first < 0 ? -1 : scope.indexOf(':', first + 1);
  if (second < 0) return null;
  const actions = scope.slice(second + 1).split(',').filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, second), actions };
}

/** A group or project may be nested this deep (GitLab's Namespace::NUMBER_OF_ANCESTORS_ALLOWED). */
const NUMBER_OF_ANCESTORS_ALLOWED = 20;
/** Only the full path and the two paths above it can name the project (ContainerRegistry::Path::LEVELS_SUPPORTED). */
const LEVELS_SUPPORTED = 3;
/** Distribution's names (GitLab's container_repository_name_regex, written without nested quantifiers). */
const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._/]|__|-+)[a-z0-9]+)*$/;

export interface ProjectPathCandidate {
  groupFullPath: string;
  projectPath: string;
}

export interface ImagePath {
  /** The name as the token's `access` claim carries it: lower-cased. */
  name: string;
  /** The paths that may be the project, longest first: the first that exists is it. */
  projectCandidates: ProjectPathCandidate[];
}

/**
 * §3.3: `<project full path>[/<image>]`, up to two levels below the project, lower-cased; null for
 * a name GitLab does not accept (then nothing is granted for it).
 */
export function imagePath(requested: string): ImagePath | null {
  const name = requested.toLowerCase();
  const components = name.split('/');
  if (!IMAGE_NAME.test(name) || components.length < 2 || components.length >= NUMBER_OF_ANCESTORS_ALLOWED) return null;
  const projectCandidates: ProjectPathCandidate[] = [];
  for (let length = components.length; length >= 2 && projectCandidates.length < LEVELS_SUPPORTED; length--) {
    projectCandidates.push({ groupFullPath: components.slice(0, length - 1).join('/'), projectPath: components[length - 1]! });
  }
  return { name, projectCandidates };
}

export interface RegistryCaller {
  /** Null when anonymous. */
  actor: Actor | null;
  abilities: ReadonlySet<RegistryAbility>;
}

export interface RegistryProject {
  visibility: Visibility;
  /** The caller's effective role on the project (0 when none). */
  memberLevel: number;
}

/**
 * §3.2 read_container_image: Reporter (or administrator), a public project for anyone, an internal
 * one for any signed-in user who is not external (group access token bots are not).
 */
function canReadContainerImage(actor: Actor | null, project: RegistryProject): boolean {
  if (project.visibility === 'public') return true;
  if (!actor) return false;
  if (effectiveLevel(actor, project.memberLevel) >= AccessLevel.REPORTER) return true;
  return project.visibility === 'internal' && !actor.external;
}

const hasRole = (actor: Actor | null, project: RegistryProject, level: number) => actor !== null && effectiveLevel(actor, project.memberLevel) >= level;

/** §3 `can_access?`: the token's ability AND the caller's role, per action; other actions never. */
function canAccess(caller: RegistryCaller, project: RegistryProject, action: string): boolean {
  const { actor, abilities } = caller;
  switch (action) {
    case 'pull':
      return abilities.has('read_container_image') && canReadContainerImage(actor, project);
    case 'push':
      return abilities.has('create_container_image') && hasRole(actor, project, AccessLevel.DEVELOPER);
    case 'delete':
    case '*':
      return abilities.has('admin_container_image') && hasRole(actor, project, AccessLevel.MAINTAINER);
    default:
      return false;
  }
}

/** The requested actions on an image of `project` that are granted, in the order asked (`process_repository_access`). */
export const grantedImageActions = (caller: RegistryCaller, project: RegistryProject, actions: readonly string[]): string[] =>
  actions.filter((action) => canAccess(caller, project, action));

/** `registry:catalog:*` (listing every repository): administrators only, and only exactly `*` (§3). */
export const grantsCatalog = (actor: Actor | null, access: RequestedAccess): boolean =>
  actor?.isAdmin === true && access.type === 'registry' && access.name === 'catalog' && access.actions.length === 1 && access.actions[0] === '*';

/** §3 step 3: an anonymous caller granted nothing is refused (403), where a signed-in one gets an empty token. */
export const refusesEmptyGrant = (caller: RegistryCaller, grantedCount: number): boolean => caller.actor === null && grantedCount === 0;

/** GitLab's JSONWebToken::Token::DEFAULT_NOT_BEFORE_TIME: room for the registry's clock running behind. */
const NOT_BEFORE_SECONDS = 5;

/**
 * §4: whole seconds (distribution 2.8 refuses a token whose times are not integers, §5); valid from
 * 5 s ago for `expireDelayMinutes` (GitLab's `container_registry_token_expire_delay`).
 */
export function registryTokenTimes(now: Date, expireDelayMinutes: number): { iat: number; nbf: number; exp: number } {
  const iat = Math.floor(now.getTime() / 1000);
  return { iat, nbf: iat - NOT_BEFORE_SECONDS, exp: iat + expireDelayMinutes * 60 };
}
