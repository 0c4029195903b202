import type { Generated } from 'kysely';

/** Tables of public leak revocation (migration 0011). Same column conventions as schema.ts. */
declare module './schema.js' {
  interface Schema {
    leak_reports: LeakReportsTable;
    credentials_revoke_calls: CredentialsRevokeCallsTable;
  }
}

/** A reported value's digest (tokenDigest), waiting for the `leak-revocation` job. */
export interface LeakReportsTable {
  id: Generated<number>;
  token_digest: string;
  /** Where the report came from, for the audit event. */
  reporter_ip: string | null;
  created_at: string;
}

/** One call of POST /credentials/revoke from an IP; rows older than an hour are pruned. */
export interface CredentialsRevokeCallsTable {
  id: Generated<number>;
  ip: string;
  called_at: string;
}
