import { sql } from 'kysely';
import { type ProjectRow, type IssueRow, type GroupRow } from '../schema.js';
import { type Db, offsetOf, toCount, type Page } from './common.js';
import type BetterSqlite3 from 'better-sqlite3';
import { type Database } from '../database.js';

export const findProjectById = (db: Db, id: number): Promise<ProjectRow | undefined> =>
  db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();

export async function findProjectsByIds(db: Db, ids: number[]): Promise<ProjectRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('projects').selectAll().where('id', 'in', ids).execute();
}

export const findProjectInGroup = (db: Db, groupId: number, path: string): Promise<ProjectRow | undefined> =>
  db.selectFrom('projects').selectAll().where('group_id', '=', groupId).where(sql`lower(path)`, '=', path.toLowerCase()).executeTakeFirst();

export const insertProject = (db: Db, project: Omit<ProjectRow, 'id'>): Promise<ProjectRow> =>
  db.insertInto('projects').values(project).returningAll().executeTakeFirstOrThrow();

export const deleteProject = (db: Db, id: number) => db.deleteFrom('projects').where('id', '=', id).execute();

/**
 * Records activity on the project (its updated_at). Inside a transaction on PostgreSQL it also
 * locks the project's row until commit, which serialises the numbering of its issues.
 */
export const touchProject = (db: Db, id: number, now: string) => db.updateTable('projects').set({ updated_at: now }).where('id', '=', id).execute();

export const findProjectsInGroups = async (db: Db, groupIds: number[]): Promise<ProjectRow[]> =>
  groupIds.length === 0 ? [] : db.selectFrom('projects').selectAll().where('group_id', 'in', groupIds).orderBy('id').execute();

export const listAllProjects = (db: Db): Promise<ProjectRow[]> => db.selectFrom('projects').selectAll().orderBy('id').execute();

export async function insertIssue(db: Db, issue: Omit<IssueRow, 'id' | 'iid'>): Promise<IssueRow> {
  const last = await db
    .selectFrom('issues')
    .select((eb) => eb.fn.max('iid').as('iid'))
    .where('project_id', '=', issue.project_id)
    .executeTakeFirst();
  return db
    .insertInto('issues')
    .values({ ...issue, iid: Number(last?.iid ?? 0) + 1 })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export const findIssue = (db: Db, projectId: number, iid: number) =>
  db.selectFrom('issues').selectAll().where('project_id', '=', projectId).where('iid', '=', iid).executeTakeFirst();

export async function listIssues(db: Db, projectId: number, page: Page): Promise<{ rows: IssueRow[]; total: number }> {
  const base = db.selectFrom('issues').where('project_id', '=', projectId);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('id', 'desc').limit(page.perPage).offset(offsetOf(page)).execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: toCount(count.n as number) };
}

/** Contributions of a removed user move to the ghost user, never deleted (GitLab: bot users). */
export const reassignIssuesAuthor = (db: Db, fromUserId: number, toUserId: number) =>
  db.updateTable('issues').set({ author_id: toUserId }).where('author_id', '=', fromUserId).execute();

/**
 * The lookups every git request makes before git starts (the project by its path, the caller's
 * role on it), as prepared statements: on this path the query builder's per-call compilation and
 * round trips cost more than git's own answer to an info/refs request takes to start.
 */
export interface GitLookup {
  project(groupFullPath: string, projectPath: string): Promise<{ group: GroupRow; project: ProjectRow } | undefined>;
  /** The highest role through the project's own membership or any group above it (0 if none). */
  memberLevel(userId: number, project: Pick<ProjectRow, 'id'>, group: Pick<GroupRow, 'traversal'>): Promise<number>;
}

const GROUP_COLUMNS = [
  'id', 'name', 'path', 'full_path', 'parent_id', 'traversal', 'visibility', 'description',
  'resource_access_token_creation_allowed', 'resource_access_token_notify_inherited',
  'lock_resource_access_token_notify_inherited', 'created_at', 'updated_at',
] as const;
const PROJECT_COLUMNS = ['id', 'name', 'path', 'group_id', 'visibility', 'description', 'creator_id', 'created_at', 'updated_at'] as const;

const select = [...GROUP_COLUMNS.map((c) => `g.${c} as g_${c}`), ...PROJECT_COLUMNS.map((c) => `p.${c} as p_${c}`)].join(', ');
const projectSql = (p: (n: number) => string) =>
  `select ${select} from groups g join projects p on p.group_id = g.id where lower(g.full_path) = ${p(1)} and lower(p.path) = ${p(2)}`;
/**
 * A group membership counts when the group is in the traversal of the project's group ("/1/5/9/"):
 * `contains` tests that on each dialect (SQLite's instr, PostgreSQL's strpos).
 */
const levelSql = (user: string, project: string, contains: string) =>
  `select max(access_level) as level from members where user_id = ${user} and ((source_type = 'project' and source_id = ${project}) ` +
  `or (source_type = 'group' and ${contains} > 0))`;

type Row = Record<string, unknown>;

function split(row: Row | undefined): { group: GroupRow; project: ProjectRow } | undefined {
  if (!row) return undefined;
  const pick = (prefix: string, columns: readonly string[]) => Object.fromEntries(columns.map((c) => [c, row[`${prefix}${c}`]]));
  const group = pick('g_', GROUP_COLUMNS) as unknown as GroupRow;
  const project = pick('p_', PROJECT_COLUMNS) as unknown as ProjectRow;
  return { group, project };
}

function createGitLookup(database: Database): GitLookup {
  if (database.sqlite) {
    const connection: BetterSqlite3.Database = database.openSqliteReader?.() ?? database.sqlite;
    const project = connection.prepare<[string, string], Row>(projectSql(() => '?'));
    const level = connection.prepare<[{ user: number; project: number; traversal: string }], { level: number | null }>(
      levelSql('@user', '@project', "instr(@traversal, '/' || source_id || '/')"),
    );
    return {
      project: async (groupFullPath, projectPath) => split(project.get(groupFullPath.toLowerCase(), projectPath.toLowerCase())),
      memberLevel: async (userId, p, g) => Number(level.get({ user: userId, project: p.id, traversal: g.traversal })?.level ?? 0),
    };
  }
  const pool = database.pool!;
  const n = (i: number) => `$${i}`;
  return {
    project: async (groupFullPath, projectPath) => {
      const result = await pool.query<Row>({ name: 'tollgate_git_project', text: projectSql(n), values: [groupFullPath.toLowerCase(), projectPath.toLowerCase()] });
      return split(result.rows[0]);
    },
    memberLevel: async (userId, p, g) => {
      const text = levelSql('$1', '$2', "strpos($3, '/' || source_id || '/')");
      const result = await pool.query<{ level: number | null }>({ name: 'tollgate_git_member_level', text, values: [userId, p.id, g.traversal] });
      return Number(result.rows[0]?.level ?? 0);
    },
  };
}

const lookups = new WeakMap<Database, GitLookup>();

/** One set of prepared statements per database, made on first use. */
export function gitLookupFor(database: Database): GitLookup {
  let lookup = lookups.get(database);
  if (!lookup) {
    lookup = createGitLookup(database);
    lookups.set(database, lookup);
  }
  return lookup;
}
