import type { Generated } from 'kysely';

declare module './schema.js' {
  interface Schema {
    git_auth_failures: GitAuthFailuresTable;
    git_auth_bans: GitAuthBansTable;
  }
}

/** One failed Git authentication; rows older than the ban's find time are pruned. */
export interface GitAuthFailuresTable {
  id: Generated<number>;
  ip: string;
  failed_at: string;
}

export interface GitAuthBansTable {
  ip: string;
  banned_until: string;
  created_at: string;
  updated_at: string;
}
