/** The 13 scopes a group access token may carry (decision T9; GitLab's scope table). */
export const GROUP_ACCESS_TOKEN_SCOPES = [
  'api',
  'read_api',
  'read_repository',
  'write_repository',
  'read_registry',
  'write_registry',
  'read_virtual_registry',
  'write_virtual_registry',
  'create_runner',
  'manage_runner',
  'ai_features',
  'k8s_proxy',
  'self_rotate',
] as const;
export type GroupAccessTokenScope = (typeof GROUP_ACCESS_TOKEN_SCOPES)[number];

/** Personal access tokens of humans may also read the user; admins may add the admin scopes. */
export const PERSONAL_ACCESS_TOKEN_SCOPES = [...GROUP_ACCESS_TOKEN_SCOPES, 'read_user'] as const;
export const ADMIN_SCOPES = ['sudo', 'admin_mode'] as const;
const ALL_SCOPES = [...PERSONAL_ACCESS_TOKEN_SCOPES, ...ADMIN_SCOPES] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<GroupAccessTokenScope, string> = {
  api: 'Grants complete read and write access to the scoped group and related project API, including the container registry, the dependency proxy, and the package registry.',
  read_api: 'Grants read access to the scoped group and related project API, including the package registry.',
  read_repository: 'Grants read access (pull) to all repositories in the group.',
  write_repository: 'Grants read and write access (pull and push) to all repositories in the group.',
  read_registry: 'Grants read access (pull) to container registry images if any project in the group is private and authorization is required. Available only when the container registry is enabled.',
  write_registry: 'Grants write access (push) to the container registry. To push images, you must include the read_registry scope. Available only when the container registry is enabled.',
  read_virtual_registry: 'Grants read access (pull) to container images through the dependency proxy. Available only when the dependency proxy is enabled.',
  write_virtual_registry: 'Grants read and write access (pull, push, and delete) to container images through the dependency proxy. Available only when the dependency proxy is enabled.',
  create_runner: 'Grants permission to create runners in the group.',
  manage_runner: 'Grants permission to manage runners in the group.',
  ai_features: 'Grants permission to perform API actions for GitLab Duo, the Code Suggestions API, and the GitLab Duo Chat API.',
  k8s_proxy: 'Grants permission to perform Kubernetes API calls using the agent for Kubernetes in the group.',
  self_rotate: 'Grants permission to rotate this token using the personal access token API. Does not allow rotation of other tokens.',
};

/** The scopes only personal access tokens carry, described as GitLab's personal access token page does. */
const PERSONAL_ONLY_SCOPE_DESCRIPTIONS: Record<'read_user' | (typeof ADMIN_SCOPES)[number], string> = {
  read_user: 'Grants read-only access to your profile through the /user API endpoint, which includes username, public email, and full name. Also grants access to read-only API endpoints under /users.',
  sudo: 'Grants permission to perform API actions as any user in the system, when authenticated as an administrator.',
  admin_mode: 'Grants permission to perform API actions as an administrator, when Admin Mode is enabled.',
};

/**
 * GitLab's descriptions on the project and personal token pages, where they differ from the group
 * page's (SCOPE_DESCRIPTIONS): what the token reaches is the project, or everything you can reach.
 */
export const SCOPE_DESCRIPTIONS_FOR: Record<'project' | 'personal', Partial<Record<string, string>>> = {
  project: {
    api: 'Grants complete read and write access to the scoped project API, including the container registry, the dependency proxy, and the package registry.',
    read_api: 'Grants read access to the scoped project API, including the package registry.',
    read_repository: 'Grants read access (pull) to the repository.',
    write_repository: 'Grants read and write access (pull and push) to the repository.',
    read_registry: 'Grants read access (pull) to container registry images if the project is private and authorization is required. Available only when the container registry is enabled.',
    create_runner: 'Grants permission to create runners in the project.',
    manage_runner: 'Grants permission to manage runners in the project.',
    k8s_proxy: 'Grants permission to perform Kubernetes API calls using the agent for Kubernetes in the project.',
  },
  personal: {
    api: 'Grants complete read and write access to the API, including all groups and projects, the container registry, the dependency proxy, and the package registry.',
    read_api: 'Grants read access to the API, including all groups and projects, the container registry, and the package registry.',
    read_repository: 'Grants read access (pull) to repositories on private projects using Git over HTTPS.',
    write_repository: 'Grants read and write access (pull and push) to repositories on private projects using Git over HTTPS.',
    read_registry: 'Grants read access (pull) to container registry images if a project is private and authorization is required. Available only when the container registry is enabled.',
    create_runner: 'Grants permission to create runners.',
    manage_runner: 'Grants permission to manage runners.',
    k8s_proxy: 'Grants permission to perform Kubernetes API calls using the agent for Kubernetes.',
    ...PERSONAL_ONLY_SCOPE_DESCRIPTIONS,
  },
};

/**
 * The scopes that let a token call an API route (GitLab's API::API registration): `api` for every
 * method, `read_api` only for reads. Routes may add their own (self-rotation adds `self_rotate`).
 */
export function apiScopesFor(method: string, extra: readonly string[] = []): string[] {
  const read = method === 'GET' || method === 'HEAD';
  return [...(read ? ['api', 'read_api'] : ['api']), ...extra];
}

/** GitLab's check: the token passes when any allowed scope is among its scopes. */
export function hasAnyScope(tokenScopes: readonly string[], allowed: readonly string[]): boolean {
  return allowed.some((scope) => tokenScopes.includes(scope));
}

/** Abilities per scope for Git over HTTPS (Gitlab::Auth, §3.5). */
export function canDownloadCodeWithScopes(scopes: readonly string[]): boolean {
  return hasAnyScope(scopes, ['api', 'read_api', 'read_repository', 'write_repository']);
}
export function canPushCodeWithScopes(scopes: readonly string[]): boolean {
  return hasAnyScope(scopes, ['api', 'write_repository']);
}
