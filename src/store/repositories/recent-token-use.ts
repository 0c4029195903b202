import type { Db } from './common.js';

/**
 * The digests of active tokens whose usage stamp says they were used from `ip` since `since`:
 * `last_used_at` within the window and `ip` among `last_used_ips` (GitLab's stamp, throttled to a
 * write per 10 minutes and holding the newest 5 addresses, so this is what every instance agrees
 * on, not an exact log). The LIKE narrows the rows; the JSON decides.
 */
export async function findTokenDigestsUsedFrom(db: Db, ip: string, since: string): Promise<string[]> {
  const rows = await db
    .selectFrom('personal_access_tokens')
    .select(['token_digest', 'last_used_ips'])
    .where('revoked', '=', 0)
    .where('last_used_at', '>=', since)
    .where('last_used_ips', 'like', `%${JSON.stringify(ip)}%`)
    .execute();
  return rows.filter((row) => (JSON.parse(row.last_used_ips) as string[]).includes(ip)).map((row) => row.token_digest);
}
