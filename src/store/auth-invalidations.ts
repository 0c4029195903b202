import type BetterSqlite3 from 'better-sqlite3';
import {
  ColumnNode,
  DeleteQueryNode,
  TableNode,
  UpdateQueryNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

/**
 * How an instance hears that tokens or users changed (migration 0008's triggers), so that its
 * authentication cache forgets them: by user id, or everything when it may have missed something.
 */
interface AuthInvalidationHandlers {
  users(ids: number[]): void;
  /** Drop everything: changes may have been missed (a gap, a lost connection). */
  all(): void;
  /** The feed's state changed: only a live feed may be trusted to report every change. */
  liveness?(live: boolean): void;
}

export interface AuthInvalidationFeed {
  /**
   * Applies what other connections committed since the last call, before a cached entry is
   * trusted. SQLite: one `PRAGMA data_version` read, and the new rows when it moved. PostgreSQL:
   * nothing to do (notifications arrive by themselves).
   */
  catchUp(): void;
  /** False while changes could go unreported (PostgreSQL: the notification connection is down). */
  readonly live: boolean;
  /** PostgreSQL: the backend pid of the notification connection (as pg_stat_activity shows it); null otherwise. */
  readonly listenerPid: number | null;
  close(): Promise<void>;
}

export const AUTH_CHANNEL_PREFIX = 'tollgate_auth:';

export async function openAuthInvalidationFeed(database: Database, handlers: AuthInvalidationHandlers): Promise<AuthInvalidationFeed> {
  return database.sqlite ? sqliteFeed(database, handlers) : postgresFeed(database, handlers);
}

/**
 * SQLite: `data_version` changes when another connection (this process's writer, another worker,
 * the console) commits; only then are the new rows read. A jump in ids means the trigger pruned
 * rows this process never saw: forget everything.
 * Reading `data_version` opens a read transaction (file locks: about 5 µs, a tenth of a cached
 * request), so it is read once per turn of the event loop, by the first cached lookup of the turn.
 * That is as exact as reading it per request: every request handled in a turn was received
 * before the turn began, so a commit made before a client sent its request is seen by that read.
 */
function sqliteFeed(database: Database, handlers: AuthInvalidationHandlers): AuthInvalidationFeed {
  const connection: BetterSqlite3.Database = database.openSqliteReader?.() ?? database.sqlite!;
  const dataVersion = connection.prepare('pragma data_version').pluck();
  const newRows = connection.prepare<[number], { id: number; user_id: number }>('select id, user_id from auth_invalidations where id > ? order by id');
  let version = dataVersion.get() as number;
  let lastId = (connection.prepare('select coalesce(max(id), 0) from auth_invalidations').pluck().get() as number) ?? 0;
  let readThisTurn = false;
  const nextTurn = () => {
    readThisTurn = false;
  };
  return {
    live: true,
    listenerPid: null,
    catchUp() {
      if (readThisTurn) return;
      readThisTurn = true;
      setImmediate(nextTurn);
      const now = dataVersion.get() as number;
      if (now === version) return;
      version = now;
      const rows = newRows.all(lastId);
      if (rows.length === 0) return;
      if (rows[0]!.id !== lastId + 1) handlers.all();
      else handlers.users([...new Set(rows.map((r) => r.user_id))]);
      lastId = rows[rows.length - 1]!.id;
    },
    close: async () => {},
  };
}

const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 5_000;

/**
 * PostgreSQL: one connection of its own that LISTENs on this schema's channel. Losing it makes
 * the feed not live (the cache stops trusting itself) until a new connection LISTENs again and
 * everything cached is dropped: notifications sent meanwhile are lost for good.
 */
async function postgresFeed(database: Database, handlers: AuthInvalidationHandlers): Promise<AuthInvalidationFeed> {
  const pool = database.pool!;
  const options = pool.options as pg.PoolConfig;
  const schema = database.searchPath ?? ((await pool.query<{ schema: string }>('select current_schema() as schema')).rows[0]!.schema);
  const channel = `${AUTH_CHANNEL_PREFIX}${schema}`;
  let client: pg.Client | null = null;
  let live = false;
  let listenerPid: number | null = null;
  let closed = false;
  let delay = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | null = null;

  const setLive = (value: boolean) => {
    if (live === value) return;
    live = value;
    handlers.liveness?.(value);
  };

  const lost = (lostClient: pg.Client) => {
    if (client !== lostClient) return;
    client = null;
    listenerPid = null;
    setLive(false);
    handlers.all();
    lostClient.end().catch(() => {});
    if (!closed) scheduleConnect();
  };

  const scheduleConnect = () => {
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString, options: options.options, keepAlive: true, application_name: 'tollgate auth listener' });
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    next.on('notification', (message) => {
      if (message.channel !== channel) return;
      const id = Number(message.payload);
      if (Number.isInteger(id)) handlers.users([id]);
      else handlers.all();
    });
    try {
      client = next;
      await next.connect();
      await next.query(`listen ${pg.escapeIdentifier(channel)}`);
      if (closed) return void (await next.end());
      listenerPid = (next as unknown as { processID: number }).processID;
      // Anything cached before this point may have changed unannounced.
      handlers.all();
      delay = RECONNECT_MIN_MS;
      setLive(true);
    } catch {
      lost(next);
    }
  };

  await connect();
  return {
    get live() {
      return live;
    },
    get listenerPid() {
      return listenerPid;
    },
    catchUp() {},
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const last = client;
      client = null;
      setLive(false);
      await last?.end().catch(() => {});
    },
  };
}

const AUTH_TABLES = new Set(['personal_access_tokens', 'users']);
/** Usage stamps change nothing a token may do (the triggers ignore them too). */
const USAGE_COLUMNS = new Set(['last_used_at', 'last_used_ips']);

function tableOf(node: OperationNode | undefined): string | undefined {
  if (node && TableNode.is(node)) return node.table.identifier.name;
  return undefined;
}

/** Whether a statement may change what a token authenticates as (updates of usage stamps do not). */
function changesAuthentication(node: RootOperationNode): boolean {
  if (UpdateQueryNode.is(node)) {
    if (!AUTH_TABLES.has(tableOf(node.table) ?? '')) return false;
    return (node.updates ?? []).some((update) => !(ColumnNode.is(update.column) && USAGE_COLUMNS.has(update.column.column.name)));
  }
  if (DeleteQueryNode.is(node)) return node.from.froms.some((from) => AUTH_TABLES.has(tableOf(from) ?? ''));
  // Inserts: a new token or user cannot be cached yet (not even as unknown: its value is random).
  return false;
}

/**
 * This process's own changes to tokens and users, told to its caches at once: the triggers'
 * announcements reach this process too, but asynchronously on PostgreSQL, and a revocation must
 * hold for the very next request. Told when a statement that changes them has run, and again when
 * a transaction commits after one ran (a cache may have re-read the old row in between).
 */
export class AuthChangeSignal {
  /** Statements run so far that changed tokens or users; `transaction` compares it around a commit. */
  count = 0;
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const listener of this.listeners) listener();
  }

  /** The Kysely plugin that watches every statement of a database for such changes. */
  plugin(): KyselyPlugin {
    const changing = new WeakSet<object>();
    return {
      transformQuery: ({ node, queryId }: PluginTransformQueryArgs): RootOperationNode => {
        if (changesAuthentication(node)) changing.add(queryId);
        return node;
      },
      transformResult: async ({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
        if (changing.has(queryId)) {
          this.count += 1;
          this.emit();
        }
        return result;
      },
    };
  }
}
