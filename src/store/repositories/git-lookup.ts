import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../database.js';
import type { GroupRow, ProjectRow } from '../schema.js';

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
