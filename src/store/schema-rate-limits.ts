import type { Generated } from 'kysely';

declare module './schema.js' {
  interface Schema {
    failed_authentications: FailedAuthenticationsTable;
    ip_bans: IpBansTable;
    rate_limit_counters: RateLimitCountersTable;
  }
}

/** One failed Git or registry authentication, counted towards the IP ban; rows older than the ban's find time are pruned. */
export interface FailedAuthenticationsTable {
  id: Generated<number>;
  ip: string;
  failed_at: string;
}

/** An IP banned after failed Git or registry authentications, until `banned_until`. */
export interface IpBansTable {
  ip: string;
  banned_until: string;
  created_at: string;
  updated_at: string;
}

/**
 * Per-minute counts shared by every instance: one row per counter, subject and minute, bumped in
 * place (`api_failed_auth` per client IP; `token_creations` per user id). Rows of past minutes
 * are pruned when a subject's first row of a new minute is written.
 */
export interface RateLimitCountersTable {
  counter: string;
  subject: string;
  /** The minute's first instant (src/domain/minute-window.ts). */
  window_start: string;
  hits: number;
}
