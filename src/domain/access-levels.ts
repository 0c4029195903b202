/** GitLab's member roles (Gitlab::Access). Admins count as Owner when a role ceiling is computed. */
export const AccessLevel = {
  NO_ACCESS: 0,
  MINIMAL_ACCESS: 5,
  GUEST: 10,
  PLANNER: 15,
  REPORTER: 20,
  DEVELOPER: 30,
  MAINTAINER: 40,
  OWNER: 50,
} as const;

/** The roles a membership or an access token may carry (Gitlab::Access.options_with_owner). */
export const ASSIGNABLE_ACCESS_LEVELS = [10, 15, 20, 30, 40, 50] as const;
export type AssignableAccessLevel = (typeof ASSIGNABLE_ACCESS_LEVELS)[number];

export const DEFAULT_TOKEN_ACCESS_LEVEL: AssignableAccessLevel = 40;

const ROLE_NAMES: Record<number, string> = {
  10: 'Guest',
  15: 'Planner',
  20: 'Reporter',
  30: 'Developer',
  40: 'Maintainer',
  50: 'Owner',
};

export function roleName(level: number): string {
  return ROLE_NAMES[level] ?? 'No access';
}

export function isAssignableAccessLevel(value: number): value is AssignableAccessLevel {
  return (ASSIGNABLE_ACCESS_LEVELS as readonly number[]).includes(value);
}

/** GitLab's level_encompasses?: a user may hand out a role up to their own, never above it. */
export function canAssignRole(creatorLevel: number, assigned: number): boolean {
  return assigned <= creatorLevel;
}
