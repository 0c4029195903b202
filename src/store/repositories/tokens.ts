import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { escapeLike, parseNameSearch } from '../../domain/search.js';
import { isPostgres } from '../migrations/columns.js';
import type { Database } from '../database.js';
import { type NewTokenRow, type Schema, type TokenRow, type TokenView, type UserRow } from '../schema.js';
import { offsetOf, toCount, type Db, type Page } from './common.js';

export const findTokenById = (db: Db, id: number): Promise<TokenRow | undefined> =>
  db.selectFrom('personal_access_tokens').selectAll().where('id', '=', id).executeTakeFirst();

export const findTokenByDigest = (db: Db, digest: string): Promise<TokenRow | undefined> =>
  db.selectFrom('personal_access_tokens').selectAll().where('token_digest', '=', digest).executeTakeFirst();

export const insertToken = (db: Db, token: NewTokenRow): Promise<TokenRow> =>
  db.insertInto('personal_access_tokens').values(token).returningAll().executeTakeFirstOrThrow();

/**
 * Revokes a token unless it already is. Returns false when another request revoked it first: the
 * conditional update is what makes concurrent rotations yield exactly one winner.
 */
export async function revokeTokenIfActive(db: Db, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('personal_access_tokens')
    .set({ revoked: 1, revoked_at: now, updated_at: now })
    .where('id', '=', id)
    .where('revoked', '=', 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Rotation's end of the old token: revoked at once, or, with an overlap window (Tollgate's own,
 * issue 13), left working until `graceEndsAt`. Only a token neither revoked nor already rotated
 * is retired: false when another rotation came first (or the token was rotated with a window).
 */
export async function retireRotatedToken(db: Db, id: number, now: string, graceEndsAt: string | null): Promise<boolean> {
  const result = await db
    .updateTable('personal_access_tokens')
    .set(graceEndsAt === null ? { revoked: 1, revoked_at: now, updated_at: now } : { rotation_grace_ends_at: graceEndsAt, updated_at: now })
    .where('id', '=', id)
    .where('revoked', '=', 0)
    .where('rotation_grace_ends_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A rotated token whose overlap window has ended, now revoked (as of the window's end). */
export interface EndedRotationGrace {
  id: number;
  userId: number;
  name: string;
  graceEndedAt: string;
}

/**
 * Revokes the tokens whose overlap window ended by `now`, at most `limit` of them; their
 * `revoked_at` is the window's end, the moment authentication stopped accepting them.
 */
export async function revokeTokensPastRotationGrace(db: Db, now: string, limit: number): Promise<EndedRotationGrace[]> {
  const due = await db
    .selectFrom('personal_access_tokens')
    .select(['id', 'rotation_grace_ends_at'])
    .where('rotation_grace_ends_at', '<=', now)
    // `+revoked`, not `revoked`: SQLite keeps no statistics, and offered `revoked = 0` it walked
    // every active token by pat_revoked_id (30 ms at 100,000 tokens, on the event loop, every 5 s).
    // A unary plus keeps the term off every index, so the sweep starts from the few tokens in a
    // window (pat_rotation_grace_ends_at). PostgreSQL plans from statistics either way.
    .where(sql<number>`+${sql.ref('revoked')}`, '=', 0)
    .orderBy('rotation_grace_ends_at')
    .limit(limit)
    .execute();
  const ended: EndedRotationGrace[] = [];
  for (const { id, rotation_grace_ends_at: endsAt } of due) {
    const revoked = await db
      .updateTable('personal_access_tokens')
      .set({ revoked: 1, revoked_at: endsAt, updated_at: now })
      .where('id', '=', id)
      .where('revoked', '=', 0)
      .returning(['id', 'user_id', 'name'])
      .executeTakeFirst();
    if (revoked) ended.push({ id: revoked.id, userId: revoked.user_id, name: revoked.name, graceEndedAt: endsAt! });
  }
  return ended;
}

/** Whether a `token_ip_refused` event was recorded for the token since `since` (one a minute at most). */
export async function ipRefusalRecordedSince(db: Db, tokenId: number, since: string): Promise<boolean> {
  const found = await db
    .selectFrom('audit_events')
    .select('id')
    .where('event_name', '=', 'token_ip_refused')
    .where('target_id', '=', tokenId)
    .where('created_at', '>', since)
    .limit(1)
    .executeTakeFirst();
  return found !== undefined;
}

/**
 * Reuse detection (§4.3): revokes every not-yet-revoked token that descends from
 * `tokenId` through rotations. Returns the ids it revoked.
 */
export async function revokeDescendants(db: Db, tokenId: number, now: string): Promise<number[]> {
  const rows = await sql<{ id: number }>`
    with recursive family(id) as (
      select id from personal_access_tokens where previous_personal_access_token_id = ${tokenId}
      union
      select t.id from personal_access_tokens t join family f on t.previous_personal_access_token_id = f.id
    )
    select id from family`.execute(db);
  const ids = rows.rows.map((r) => Number(r.id));
  if (ids.length === 0) return [];
  const revoked = await db
    .updateTable('personal_access_tokens')
    .set({ revoked: 1, revoked_at: now, updated_at: now })
    .where('id', 'in', ids)
    .where('revoked', '=', 0)
    .returning('id')
    .execute();
  return revoked.map((r) => r.id);
}

export const updateTokenUsage = (db: Db, id: number, lastUsedAt: string, lastUsedIps: string[]) =>
  db
    .updateTable('personal_access_tokens')
    .set({ last_used_at: lastUsedAt, last_used_ips: JSON.stringify(lastUsedIps) })
    .where('id', '=', id)
    .execute();

export type TokenState = 'active' | 'inactive';

const TOKEN_SORTS = {
  name_asc: ['name', 'asc'],
  name_desc: ['name', 'desc'],
  created_asc: ['created_at', 'asc'],
  created_desc: ['created_at', 'desc'],
  created_date: ['created_at', 'desc'],
  created_at_asc: ['created_at', 'asc'],
  created_at_desc: ['created_at', 'desc'],
  expires_asc: ['expires_at', 'asc'],
  expires_desc: ['expires_at', 'desc'],
  last_used_asc: ['last_used_at', 'asc'],
  last_used_desc: ['last_used_at', 'desc'],
  updated_asc: ['updated_at', 'asc'],
  updated_desc: ['updated_at', 'desc'],
  updated_at_asc: ['updated_at', 'asc'],
  updated_at_desc: ['updated_at', 'desc'],
  id_asc: ['id', 'asc'],
  id_desc: ['id', 'desc'],
} as const satisfies Record<string, readonly [keyof TokenRow, 'asc' | 'desc']>;
export type TokenSort = keyof typeof TOKEN_SORTS;

/** The filters of PersonalAccessTokensFinder (§2.1); all optional. */
export interface TokenConditions {
  state?: TokenState;
  revoked?: boolean;
  createdBefore?: string;
  createdAfter?: string;
  lastUsedBefore?: string;
  lastUsedAfter?: string;
  expiresBefore?: string;
  expiresAfter?: string;
  search?: string;
  /** Unknown keys are ignored (ordered by id), as GitLab does. */
  sort?: string;
}

/**
 * Whose tokens: these users', everyone's (an administrator's unfiltered list), or those of a
 * resource's bots, selected in SQL whatever their number (a parameter per bot would exceed
 * SQLite's limit on a large group).
 */
export type TokenOwners = { userIds: number[] | 'all' } | { botsOf: BotResource };

export type TokenFilters = TokenConditions & TokenOwners;

type TokenQuery = SelectQueryBuilder<Schema, 'personal_access_tokens', object>;

/**
 * Up to this many members, a resource's tokens are found from its members and sorted; beyond, by
 * walking the tokens in the list's order (an index, migration 0009) and keeping the resource's,
 * which fills a page without reading the others. PostgreSQL's planner makes the same choice from
 * its statistics whatever the form; SQLite has none, so it follows the form it is given.
 */
const SORT_FOUND_TOKENS_MAX_MEMBERS = 1_000;

/**
 * The bots of a resource are the bot users among its direct members (§9 #13): the memberships
 * that say their member is a bot (migration 0015), in user order from their index.
 */
const botMembers = (db: Db, resource: BotResource) =>
  db
    .selectFrom('members')
    .where('members.source_type', '=', resource.sourceType)
    .where('members.source_id', '=', resource.id)
    .where('members.bot', '=', 1);

async function hasManyMembers(db: Db, resource: BotResource): Promise<boolean> {
  const { n } = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('members')
        .select('user_id')
        .where('source_type', '=', resource.sourceType)
        .where('source_id', '=', resource.id)
        .limit(SORT_FOUND_TOKENS_MAX_MEMBERS + 1)
        .as('some'),
    )
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return toCount(n as number) > SORT_FOUND_TOKENS_MAX_MEMBERS;
}

/** `now` decides expiry: a token is expired from 00:00 UTC of its date, so compare with today's date. */
/**
 * How a list is read. `walkTokens`: by the list's order, keeping the resource's tokens (see
 * SORT_FOUND_TOKENS_MAX_MEMBERS). `indexedTerms`: search terms whose candidates SQLite's trigram
 * index gives first (see NAME_INDEX_MAX_CANDIDATES).
 */
interface ListPlan {
  walkTokens: boolean;
  indexedTerms: ReadonlySet<string>;
}

/**
 * Up to this many names containing a search term, SQLite starts from the trigram index (migration
 * 0013) and sorts what it finds; a term that more names contain fills a page sooner by walking the
 * list's order. PostgreSQL's planner makes this choice itself, from its statistics.
 */
const NAME_INDEX_MAX_CANDIDATES = 1_000;

async function indexedSearchTerms(db: Db, filters: TokenFilters): Promise<Set<string>> {
  const search = filters.search === undefined || isPostgres(db) ? null : parseNameSearch(filters.search);
  if (search?.kind !== 'contains_all') return new Set();
  // FTS5 cannot serve an ESCAPE clause: a term with a LIKE wildcard in it is matched by scanning.
  const terms = search.terms.filter((term) => !/[\\%_]/.test(term));
  const counts = await Promise.all(
    terms.map(async (term) => {
      const { rows } = await sql<{ n: number }>`select count(*) as n from (select rowid from token_name_search where name like ${`%${term}%`} limit ${NAME_INDEX_MAX_CANDIDATES + 1})`.execute(db);
      return toCount(rows[0]!.n);
    }),
  );
  return new Set(terms.filter((_, i) => counts[i]! <= NAME_INDEX_MAX_CANDIDATES));
}

/** A token column named with its table: a count joins members, whose columns share names. */
const column = (name: keyof TokenRow) => sql.ref(`personal_access_tokens.${name}`);

/** The conditions on the token itself, whoever owns it. */
function tokenConditions(eb: ExpressionBuilder<Schema, 'personal_access_tokens'>, filters: TokenConditions, indexedTerms: ReadonlySet<string>, now: Date) {
  const today = now.toISOString().slice(0, 10);
  const at = now.toISOString();
  const t = 'personal_access_tokens' as const;
  // A token whose rotation overlap window has ended is revoked, whether or not the job wrote it yet.
  const notRevoked = () => eb.and([eb(`${t}.revoked`, '=', 0), eb.or([eb(`${t}.rotation_grace_ends_at`, 'is', null), eb(`${t}.rotation_grace_ends_at`, '>', at)])]);
  const revoked = () => eb.or([eb(`${t}.revoked`, '=', 1), eb(`${t}.rotation_grace_ends_at`, '<=', at)]);
  const conditions: Expression<SqlBool>[] = [eb(`${t}.impersonation`, '=', 0)];
  if (filters.state === 'active') conditions.push(notRevoked(), eb.or([eb(`${t}.expires_at`, 'is', null), eb(`${t}.expires_at`, '>', today)]));
  if (filters.state === 'inactive') conditions.push(eb.or([revoked(), eb(`${t}.expires_at`, '<=', today)]));
  if (filters.revoked !== undefined) conditions.push(filters.revoked ? revoked() : notRevoked());
  if (filters.createdBefore) conditions.push(eb(`${t}.created_at`, '<=', filters.createdBefore));
  if (filters.createdAfter) conditions.push(eb(`${t}.created_at`, '>=', filters.createdAfter));
  if (filters.lastUsedBefore) conditions.push(eb(`${t}.last_used_at`, '<=', filters.lastUsedBefore));
  if (filters.lastUsedAfter) conditions.push(eb(`${t}.last_used_at`, '>=', filters.lastUsedAfter));
  if (filters.expiresBefore) conditions.push(eb(`${t}.expires_at`, '<', filters.expiresBefore));
  if (filters.expiresAfter) conditions.push(eb(`${t}.expires_at`, '>=', filters.expiresAfter));
  if (filters.search !== undefined) {
    const search = parseNameSearch(filters.search);
    if (search.kind === 'equals') {
      conditions.push(eb(sql`lower(${column('name')})`, '=', search.value.toLowerCase()));
    } else {
      for (const term of search.terms) {
        conditions.push(sql<boolean>`lower(${column('name')}) like ${`%${escapeLike(term.toLowerCase())}%`} escape '\\'`);
        if (indexedTerms.has(term)) conditions.push(eb(`${t}.id`, 'in', sql<number>`(select rowid from token_name_search where name like ${`%${term}%`})`));
      }
    }
  }
  return eb.and(conditions);
}

function applyFilters(db: Db, query: TokenQuery, filters: TokenFilters, { walkTokens, indexedTerms }: ListPlan, now: Date): TokenQuery {
  let q = query.where((eb) => tokenConditions(eb, filters, indexedTerms, now));
  if ('botsOf' in filters) {
    const bots = botMembers(db, filters.botsOf);
    q = walkTokens
      ? q.where((eb) => eb.exists(bots.select(sql.lit(1).as('one')).where('members.user_id', '=', sql<number>`${column('user_id')}`)))
      : q.where('user_id', 'in', bots.select('members.user_id'));
  } else if (filters.userIds !== 'all') {
    q = filters.userIds.length > 0 ? q.where('user_id', 'in', filters.userIds) : q.where(sql<boolean>`1 = 0`);
  }
  return q;
}

/**
 * The rows a count walks, up to 10,001 (services/lists.ts). A resource's tokens are counted from
 * its bots' memberships to their tokens, in that order: SQLite follows a CROSS JOIN's order (it
 * keeps no statistics), and this one reads half what the list's does, token by token asking
 * whether its user is a bot (3.4 against 6.5 ms for 10,001 tokens; docs/performance.md). Both
 * come from indexes alone: the bots in user order (migration 0015), the tokens' state by user
 * (migration 0014). A search whose candidates come from the trigram index counts from those instead.
 */
function countedRows(db: Db, filters: TokenFilters, plan: ListPlan, now: Date) {
  if (!('botsOf' in filters) || plan.indexedTerms.size > 0) {
    return applyFilters(db, db.selectFrom('personal_access_tokens'), filters, plan, now).select(sql.lit(1).as('one'));
  }
  return botMembers(db, filters.botsOf)
    .crossJoin('personal_access_tokens')
    .whereRef('personal_access_tokens.user_id', '=', 'members.user_id')
    .where((eb) => tokenConditions(eb, filters, plan.indexedTerms, now))
    .select(sql.lit(1).as('one'));
}

/** Columns that may be NULL sort their NULLs last either way, as PostgreSQL's default for ASC does. */
const NULLABLE_SORT_COLUMNS: ReadonlySet<keyof TokenRow> = new Set(['expires_at', 'last_used_at']);

/**
 * One page of tokens, and their number counted up to `countLimit` rows when given (GitLab stops
 * counting a long list: services/lists.ts). The ORDER BY terms are those of migration 0009's indexes.
 */
export function findTokens(db: Db, filters: TokenFilters, page: Page, now: Date, countLimit?: number): Promise<{ rows: TokenRow[]; total: number }> {
  return findPageAndCount(db, filters, page, now, countLimit, async (rows) => rows);
}

/**
 * A page of a resource's tokens, each with its bot's role there, and their number (as findTokens).
 * The roles are read while the count is still running: on PostgreSQL the count is the longest
 * query of a list, and this spares the list a round trip after it.
 */
export async function findResourceTokens(
  db: Db,
  filters: TokenConditions & { botsOf: BotResource },
  page: Page,
  now: Date,
  countLimit?: number,
): Promise<{ rows: ResourceBotToken[]; total: number }> {
  return findPageAndCount(db, filters, page, now, countLimit, async (tokens) => {
    const bots = await findResourceBots(db, filters.botsOf, [...new Set(tokens.map((token) => token.user_id))]);
    const levelByBot = new Map(bots.map((bot) => [bot.userId, bot.accessLevel]));
    return tokens.map((token) => ({ token, accessLevel: levelByBot.get(token.user_id)! }));
  });
}

/** The page's query and the count's run side by side; `withPage` goes on from the page meanwhile. */
async function findPageAndCount<T>(
  db: Db,
  filters: TokenFilters,
  page: Page,
  now: Date,
  countLimit: number | undefined,
  withPage: (rows: TokenRow[]) => Promise<T[]>,
): Promise<{ rows: T[]; total: number }> {
  const base = db.selectFrom('personal_access_tokens');
  // PostgreSQL's planner chooses how to walk for itself: it is spared the question.
  const walk = 'botsOf' in filters && !isPostgres(db) && hasManyMembers(db, filters.botsOf);
  const [walkTokens, indexedTerms] = await Promise.all([walk, indexedSearchTerms(db, filters)]);
  const plan: ListPlan = { walkTokens, indexedTerms };
  const sort = filters.sort && filters.sort in TOKEN_SORTS ? TOKEN_SORTS[filters.sort as TokenSort] : (['id', 'asc'] as const);
  const [column, direction] = sort;
  let rows = applyFilters(db, base, filters, plan, now).selectAll();
  if (NULLABLE_SORT_COLUMNS.has(column)) rows = rows.orderBy(sql`${sql.ref(column)} is null`);
  if (column !== 'id') rows = rows.orderBy(column, direction);
  rows = rows.orderBy('id', direction);
  const matching = countedRows(db, filters, plan, now);
  const [list, count] = await Promise.all([
    rows.limit(page.perPage).offset(offsetOf(page)).execute().then(withPage),
    db
      .selectFrom((countLimit === undefined ? matching : matching.limit(countLimit)).as('matching'))
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: list, total: toCount(count.n as number) };
}

/** A bot of a group or project: a `project_bot` user that is a direct member of it, with its role there. */
export interface ResourceBot {
  userId: number;
  accessLevel: number;
}

/** Whose bots: a group's (`members.source_type` 'group') or a project's ('project'). */
export interface BotResource {
  sourceType: 'group' | 'project';
  id: number;
}

/**
 * Those of `userIds` that are bots of the resource, with their role there (a page's tokens' bots:
 * at most a page of parameters). A subgroup does not list its parent's tokens, nor a parent its
 * subgroups', nor a project its group's (§10).
 */
const findResourceBots = (db: Db, resource: BotResource, userIds: number[]): Promise<ResourceBot[]> =>
  userIds.length === 0
    ? Promise.resolve([])
    : botMembers(db, resource)
        .select(['members.user_id as userId', 'members.access_level as accessLevel'])
        .where('members.user_id', 'in', userIds)
        .orderBy('members.user_id')
        .execute();

export interface ResourceBotToken {
  token: TokenRow;
  /** The bot's role in the resource: the token's `access_level`. */
  accessLevel: number;
}

/** One token of one of the resource's bots; a token of another resource's bot is not found here. */
export async function findResourceBotToken(db: Db, resource: BotResource, tokenId: number): Promise<ResourceBotToken | undefined> {
  const row = await db
    .selectFrom('personal_access_tokens as t')
    .innerJoin('members as m', (join) =>
      join.onRef('m.user_id', '=', 't.user_id').on('m.source_type', '=', resource.sourceType).on('m.source_id', '=', resource.id).on('m.bot', '=', 1),
    )
    .selectAll('t')
    .select('m.access_level as bot_access_level')
    .where('t.id', '=', tokenId)
    .where('t.impersonation', '=', 0)
    .executeTakeFirst();
  if (!row) return undefined;
  const { bot_access_level, ...token } = row;
  return { token, accessLevel: bot_access_level };
}

/** Rotation renews the bot's membership for good (GitLab sets the member's expires_at to nil). */
export const clearMembershipExpiry = (db: Db, userId: number, now: string) =>
  db.updateTable('members').set({ expires_at: null, updated_at: now }).where('user_id', '=', userId).where('expires_at', 'is not', null).execute();

/**
 * The token columns authentication needs, with its user, from one lookup by digest; also what
 * `GET /personal_access_tokens/self` shows, so that route reads nothing again.
 */
export interface AuthenticatedToken {
  id: number;
  userId: number;
  name: string;
  description: string | null;
  scopes: string[];
  expiresAt: string | null;
  revoked: boolean;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedIps: string[];
  impersonation: boolean;
  /** Tollgate's own (issue 13): the networks it works from (`[]`: anywhere). */
  allowedCidrs: string[];
  /** Tollgate's own (issue 13): the end of its rotation overlap window, or null. */
  rotationGraceEndsAt: string | null;
}

/** An authenticated token as the API shows it, from what authentication loaded. */
export const viewOfAuthenticatedToken = (token: AuthenticatedToken): TokenView => ({
  id: token.id,
  name: token.name,
  description: token.description,
  revoked: token.revoked ? 1 : 0,
  revoked_at: token.revokedAt,
  expires_at: token.expiresAt,
  created_at: token.createdAt,
  scopes: JSON.stringify(token.scopes),
  user_id: token.userId,
  last_used_at: token.lastUsedAt,
  last_used_ips: JSON.stringify(token.lastUsedIps),
  allowed_cidrs: JSON.stringify(token.allowedCidrs),
  rotation_grace_ends_at: token.rotationGraceEndsAt,
});

export interface TokenWithUser {
  token: AuthenticatedToken;
  user: UserRow;
}

export interface TokenLookup {
  byDigest(digest: string): Promise<TokenWithUser | undefined>;
}

const LOOKUP_SQL = `
  select t.id as t_id, t.name as t_name, t.description as t_description, t.scopes as t_scopes, t.expires_at as t_expires_at,
         t.revoked as t_revoked, t.revoked_at as t_revoked_at, t.created_at as t_created_at,
         t.last_used_at as t_last_used_at, t.last_used_ips as t_last_used_ips, t.impersonation as t_impersonation,
         t.allowed_cidrs as t_allowed_cidrs, t.rotation_grace_ends_at as t_rotation_grace_ends_at,
         u.id, u.username, u.email, u.name, u.state, u.is_admin, u.external, u.user_type, u.bot_namespace_id, u.bot_project_id,
         u.password_digest, u.created_at, u.updated_at
  from personal_access_tokens t join users u on u.id = t.user_id
  where t.token_digest = `;

type LookupRow = UserRow & {
  t_id: number;
  t_name: string;
  t_description: string | null;
  t_scopes: string;
  t_expires_at: string | null;
  t_revoked: number;
  t_revoked_at: string | null;
  t_created_at: string;
  t_last_used_at: string | null;
  t_last_used_ips: string;
  t_impersonation: number;
  t_allowed_cidrs: string;
  t_rotation_grace_ends_at: string | null;
};

function toTokenWithUser(row: LookupRow | undefined): TokenWithUser | undefined {
  if (!row) return undefined;
  const {
    t_id,
    t_name,
    t_description,
    t_scopes,
    t_expires_at,
    t_revoked,
    t_revoked_at,
    t_created_at,
    t_last_used_at,
    t_last_used_ips,
    t_impersonation,
    t_allowed_cidrs,
    t_rotation_grace_ends_at,
    ...user
  } = row;
  return {
    token: {
      id: Number(t_id),
      userId: Number(user.id),
      name: t_name,
      description: t_description,
      scopes: JSON.parse(t_scopes) as string[],
      expiresAt: t_expires_at,
      revoked: Number(t_revoked) === 1,
      revokedAt: t_revoked_at,
      createdAt: t_created_at,
      lastUsedAt: t_last_used_at,
      lastUsedIps: JSON.parse(t_last_used_ips) as string[],
      impersonation: Number(t_impersonation) === 1,
      allowedCidrs: JSON.parse(t_allowed_cidrs) as string[],
      rotationGraceEndsAt: t_rotation_grace_ends_at,
    },
    user: user as UserRow,
  };
}

/**
 * The hot path's one query (authentication by token digest), prepared once (better-sqlite3 `prepare`, a named query on pg) rather
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
