import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../store/database.js';
import type { UserRow } from '../store/schema.js';

/** The token columns authentication needs, with its user, from one lookup by digest. */
export interface AuthenticatedToken {
  id: number;
  userId: number;
  name: string;
  scopes: string[];
  expiresAt: string | null;
  revoked: boolean;
  lastUsedAt: string | null;
  lastUsedIps: string[];
  impersonation: boolean;
}

export interface TokenWithUser {
  token: AuthenticatedToken;
  user: UserRow;
}

export interface TokenLookup {
  byDigest(digest: string): Promise<TokenWithUser | undefined>;
}

const LOOKUP_SQL = `
  select t.id as t_id, t.name as t_name, t.scopes as t_scopes, t.expires_at as t_expires_at, t.revoked as t_revoked,
         t.last_used_at as t_last_used_at, t.last_used_ips as t_last_used_ips, t.impersonation as t_impersonation,
         u.id, u.username, u.email, u.name, u.state, u.is_admin, u.external, u.user_type, u.bot_namespace_id,
         u.password_digest, u.created_at, u.updated_at
  from personal_access_tokens t join users u on u.id = t.user_id
  where t.token_digest = `;

type LookupRow = UserRow & {
  t_id: number;
  t_name: string;
  t_scopes: string;
  t_expires_at: string | null;
  t_revoked: number;
  t_last_used_at: string | null;
  t_last_used_ips: string;
  t_impersonation: number;
};

function toTokenWithUser(row: LookupRow | undefined): TokenWithUser | undefined {
  if (!row) return undefined;
  const { t_id, t_name, t_scopes, t_expires_at, t_revoked, t_last_used_at, t_last_used_ips, t_impersonation, ...user } = row;
  return {
    token: {
      id: Number(t_id),
      userId: Number(user.id),
      name: t_name,
      scopes: JSON.parse(t_scopes) as string[],
      expiresAt: t_expires_at,
      revoked: Number(t_revoked) === 1,
      lastUsedAt: t_last_used_at,
      lastUsedIps: JSON.parse(t_last_used_ips) as string[],
      impersonation: Number(t_impersonation) === 1,
    },
    user: user as UserRow,
  };
}

/**
 * The hot path's one query, prepared once (better-sqlite3 `prepare`, a named query on pg) rather
 * than compiled by the query builder per request.
 */
export function createTokenLookup(database: Database): TokenLookup {
  if (database.sqlite) {
    // A connection of its own: the writer's may be inside a transaction that has not committed
    // (a rotation that may yet roll back), and authentication must only see committed rows.
    const reader = database.openSqliteReader?.() ?? database.sqlite;
    const statement: BetterSqlite3.Statement<[string], LookupRow> = reader.prepare(`${LOOKUP_SQL}?`);
    return { byDigest: async (digest) => toTokenWithUser(statement.get(digest)) };
  }
  const pool = database.pool!;
  return {
    byDigest: async (digest) => {
      const result = await pool.query<LookupRow>({ name: 'tollgate_token_by_digest', text: `${LOOKUP_SQL}$1`, values: [digest] });
      return toTokenWithUser(result.rows[0]);
    },
  };
}
