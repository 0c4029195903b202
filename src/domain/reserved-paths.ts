/**
 * Top-level paths a group may not take: Tollgate's own routes live there (the web UI, the API,
 * health and metrics), and GitLab reserves the same names (Gitlab::PathRegex TOP_LEVEL_ROUTES).
 * A group called `groups` would otherwise have its git URLs swallowed by the web UI.
 */
const RESERVED_TOP_LEVEL_PATHS = new Set([
  '-',
  '.well-known',
  'admin',
  'api',
  'assets',
  'dashboard',
  'explore',
  'favicon.ico',
  'groups',
  'health_check',
  'help',
  'jwt',
  'login',
  'metrics',
  'oauth',
  'profile',
  'projects',
  'public',
  'robots.txt',
  'search',
  'uploads',
  'users',
]);

export function isReservedTopLevelPath(path: string): boolean {
  return RESERVED_TOP_LEVEL_PATHS.has(path.toLowerCase());
}
