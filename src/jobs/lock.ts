import type { Database } from '../store/database.js';

/** The advisory-lock class of Tollgate's jobs ("toll"); the job and the schema make the object id. */
const JOB_LOCK_CLASS = 0x746f6c6c;
const LOCK_SQL = 'select pg_try_advisory_lock($1, hashtext(current_schema() || $2)) as locked';
const UNLOCK_SQL = 'select pg_advisory_unlock($1, hashtext(current_schema() || $2))';

export type LockOutcome<T> = { ran: true; value: T } | { ran: false };

/** SQLite: runs of a job in this process, by database file and job. */
const runningHere = new Set<string>();

/**
 * Runs `work` unless another run of the same job holds the lock, in which case it is skipped: each
 * run of a job happens on one instance only. On PostgreSQL that is a session advisory lock, keyed
 * by the job and the schema (deployments sharing a database do not block each other), held on a
 * connection of its own for the run and released with it, even if the process dies. On SQLite one
 * process serves a database file; the row claims inside each job keep a console run that overlaps
 * the server's from doing anything twice.
 */
export async function withJobLock<T>(database: Database, job: string, work: () => Promise<T>): Promise<LockOutcome<T>> {
  if (!database.pool) {
    const key = `${database.sqlite?.name ?? ''}:${job}`;
    if (runningHere.has(key)) return { ran: false };
    runningHere.add(key);
    try {
      return { ran: true, value: await work() };
    } finally {
      runningHere.delete(key);
    }
  }
  const client = await database.pool.connect();
  let broken = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>(LOCK_SQL, [JOB_LOCK_CLASS, `:${job}`]);
    if (!rows[0]?.locked) return { ran: false };
    try {
      return { ran: true, value: await work() };
    } finally {
      await client.query(UNLOCK_SQL, [JOB_LOCK_CLASS, `:${job}`]).catch(() => {
        // The session is unusable; discarding it releases the lock.
        broken = true;
      });
    }
  } finally {
    client.release(broken);
  }
}
