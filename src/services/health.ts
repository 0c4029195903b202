import { isDatabaseReachable } from '../store/database.js';
import type { ServiceContext } from './context.js';

/** Readiness: the database answers (load balancers take an instance out of rotation otherwise). */
export const isReady = (ctx: Pick<ServiceContext, 'database'>): Promise<boolean> => isDatabaseReachable(ctx.database);
