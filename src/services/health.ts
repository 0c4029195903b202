import { isDatabaseReachable } from '../store/database.js';
import { queueState } from '../store/repositories/lifecycle.js';
import type { ServiceContext } from './context.js';

/** Readiness: the database answers (load balancers take an instance out of rotation otherwise). */
export const isReady = (ctx: Pick<ServiceContext, 'database'>): Promise<boolean> => isDatabaseReachable(ctx.database);

/** What waits in the outboxes (emails, webhook events): a growing number means delivery is stuck. */
export async function outboxDepths(ctx: Pick<ServiceContext, 'database'>): Promise<{ mail: number; webhooks: number }> {
  const [mail, webhooks] = await Promise.all([queueState(ctx.database.db, 'mail_outbox'), queueState(ctx.database.db, 'webhook_deliveries')]);
  return { mail: mail.queued, webhooks: webhooks.queued };
}

/** The database connections in use (PostgreSQL's pool; SQLite has one writer and no pool). */
export function databasePool(ctx: Pick<ServiceContext, 'database'>): { total: number; idle: number; waiting: number } | null {
  const pool = ctx.database.pool;
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null;
}
