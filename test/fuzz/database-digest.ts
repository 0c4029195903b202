import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Harness } from '../support/harness.js';

/**
 * What a refused request may write by design, left out of the digest. Each is a record of the
 * refusal itself, kept so that the next attempt is judged by it:
 * - failed_authentications, ip_bans: failed registry (and Git) logins per address and the bans
 *   they lead to (GitLab's Rack::Attack ban);
 * - rate_limit_counters: the API's failed-authentication throttle (and the token-creation limit),
 *   counted per address and minute;
 * - sign_in_failures: failed password sign-ins, per login and address (sign-in throttle);
 * - credentials_revoke_calls: every POST /credentials/revoke call, refused or not (its hourly limit).
 */
export const REFUSAL_RECORDS = ['failed_authentications', 'ip_bans', 'rate_limit_counters', 'sign_in_failures', 'credentials_revoke_calls'] as const;

/**
 * Audit events a refusal writes by design, as GitLab does: a group or project access token that
 * could not be created (`*_access_token_creation_failed`). (The fuzzer's callers have no IP
 * allowlist and never present a rotated-away token: `token_ip_refused` and `token_reuse_detected`
 * stay in the digest.)
 */
export const REFUSAL_EVENTS = ['group_access_token_creation_failed', 'project_access_token_creation_failed'] as const;

/** Columns written after the answer, on refusals too (a valid token asking for what it may not have): token usage stamps. */
const USAGE_COLUMNS: Record<string, readonly string[]> = { personal_access_tokens: ['last_used_at', 'last_used_ips'] };

/** Tables are made by migrations only: read once per instance. */
const tablesOf = new WeakMap<Harness, Promise<string[]>>();
function tableNames(h: Harness): Promise<string[]> {
  if (!tablesOf.has(h)) tablesOf.set(h, readTableNames(h));
  return tablesOf.get(h)!;
}

async function readTableNames(h: Harness): Promise<string[]> {
  const db = h.ctx.database.db;
  const rows =
    h.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  return rows.rows.map((row) => row.name).filter((name) => !(REFUSAL_RECORDS as readonly string[]).includes(name)).sort();
}

/** One digest per table: every row, usage columns and refusal events left out, in a fixed order. */
export async function databaseDigest(h: Harness): Promise<Record<string, string>> {
  return h.dialect === 'postgres' ? postgresDigest(h) : sqliteDigest(h);
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
const REFUSAL_EVENT_LIST = REFUSAL_EVENTS.map((name) => `'${name}'`).join(', ');

/** PostgreSQL: the same, computed by the server in one round trip (the fuzzer takes one after every request). */
async function postgresDigest(h: Harness): Promise<Record<string, string>> {
  const selects = (await tableNames(h)).map((table) => {
    const row = ['to_jsonb(t)', ...(USAGE_COLUMNS[table] ?? []).map((column) => `'${column}'`)].join(' - ');
    const where = table === 'audit_events' ? ` where t.event_name not in (${REFUSAL_EVENT_LIST})` : '';
    return `select '${table}' as name, md5(coalesce(string_agg(r, E'\n' order by r), '')) as digest from (select (${row})::text as r from ${quoted(table)} t${where}) rows`;
  });
  const { rows } = await sql<{ name: string; digest: string }>`${sql.raw(selects.join(' union all '))}`.execute(h.ctx.database.db);
  return Object.fromEntries(rows.map((row) => [row.name, row.digest]));
}

/** SQLite: in the process, rows as JSON. */
async function sqliteDigest(h: Harness): Promise<Record<string, string>> {
  const db = h.ctx.database.db;
  const digests: Record<string, string> = {};
  for (const table of await tableNames(h)) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows
      .filter((row) => table !== 'audit_events' || !(REFUSAL_EVENTS as readonly string[]).includes(String(row.event_name)))
      .map((row) => {
        for (const column of USAGE_COLUMNS[table] ?? []) delete row[column];
        return JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
      })
      .sort();
    digests[table] = createHash('sha256').update(rows.join('\n')).digest('hex');
  }
  return digests;
}

/** The tables whose digests differ. */
export const changedTables = (before: Record<string, string>, after: Record<string, string>): string[] =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((table) => before[table] !== after[table]).sort();
