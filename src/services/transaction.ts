import type { Failure, Result } from '../domain/result.js';
import type { Database } from '../store/database.js';
import type { Db } from '../store/repositories/common.js';

class Rollback {
  constructor(readonly failure: { ok: false; error: Failure }) {}
}

/**
 * Runs a use case in one transaction and rolls it back when the use case reports a failure, so a
 * refused request leaves nothing behind (no stray bot user, membership or token).
 */
export async function inTransaction<T>(database: Database, work: (trx: Db) => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await database.db.transaction().execute(async (trx) => {
      const result = await work(trx);
      if (!result.ok) throw new Rollback(result);
      return result;
    });
  } catch (error) {
    if (error instanceof Rollback) return error.failure;
    throw error;
  }
}
