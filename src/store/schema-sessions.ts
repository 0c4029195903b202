import type { Generated } from 'kysely';

declare module './schema.js' {
  interface Schema {
    sessions: SessionsTable;
    sign_in_failures: SignInFailuresTable;
  }
}

/** A browser session. Only a digest of the cookie value is kept, like a token's. */
export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  session_digest: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
  last_active_at: string;
  /** Idle expiry: last activity + the idle timeout. */
  expires_at: string;
}

/** One failed sign-in, kept for the throttle window. `login` is lower-cased. */
export interface SignInFailuresTable {
  id: Generated<number>;
  login: string;
  ip_address: string;
  failed_at: string;
}
