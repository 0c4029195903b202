import { tryAdvisoryLock, type Database } from '../store/database.js';

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
  const lock = await tryAdvisoryLock(database, job);
  if (!lock) return { ran: false };
  try {
    return { ran: true, value: await work() };
  } finally {
    await lock.release();
  }
}
