import cluster, { type Worker } from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { startScheduler, type Scheduler } from '../jobs/scheduler.js';
import { out, showGeneratedRootPassword } from './common.js';
import { openLogDestination } from './log-destination.js';
import { openRuntime } from './runtime.js';

/** Set by the primary for the one worker that runs the scheduled jobs. */
const RUNS_JOBS_ENV = 'TOLLGATE_WORKER_RUNS_JOBS';
/** How long a worker that died waits before it is started again (a crash loop must not spin). */
const RESTART_DELAY_MS = 1_000;

/**
 * `tollgate serve [--workers N]`. One process by default; with N > 1 a primary prepares the
 * database (migrations, bootstrap) once, then starts N workers that share the port (node
 * `cluster`) and supervises them. Workers are whole instances: each authenticates from its own
 * cache, kept true by the database's change feed, so a revocation through one holds in all. The
 * scheduled jobs run in one worker (their locks would keep a second from running them anyway).
 */
export async function serve(options: { workers: number }): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) return serveHttp(config, { runJobs: process.env[RUNS_JOBS_ENV] === '1' });
  if (options.workers <= 1) return serveHttp(config, { runJobs: true });
  return superviseWorkers(config, options.workers);
}

async function serveHttp(config: Config, { runJobs }: { runJobs: boolean }): Promise<void> {
  // The HTTP stack is loaded for `serve` only: console commands start faster without it.
  const { buildApp, loggerOptions } = await import('../http/app.js');
  const runtime = await openRuntime(config);
  const logDestination = openLogDestination();
  const logger = { ...loggerOptions(config.logLevel), stream: logDestination };
  const app = await buildApp({ ctx: runtime.ctx, logger }).catch(async (error: unknown) => {
    await runtime.close();
    throw error;
  });
  showGeneratedRootPassword(runtime, out);
  let scheduler: Scheduler | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // Jobs first: a run in progress finishes while the database is still open.
    await scheduler?.stop();
    // Stop accepting, let requests in flight finish, then release the database.
    await app.close();
    await runtime.close();
    logDestination.close();
    // A worker's channel to the primary would keep it alive.
    cluster.worker?.disconnect();
  };
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A port in use: release the database too, so the process can exit with the error.
    await app.close();
    await runtime.close();
    throw error;
  }
  // A worker leaves SIGINT to the primary: a terminal's Ctrl-C reaches the whole process group,
  // and the primary then stops each worker with SIGTERM (a second signal would end it at once).
  if (cluster.isWorker) process.on('SIGINT', () => {});
  // SIGTERM, SIGINT, and errors nothing caught: stop as gracefully as the requests in flight allow,
  // but exit after the shutdown timeout even if one hangs (a stalled `git push`), and at once on a
  // second signal.
  closeWithGrace(
    {
      delay: config.shutdownTimeoutSeconds * 1000,
      skip: cluster.isWorker ? ['SIGINT'] : [],
      logger: { error: (message: unknown) => app.log.error(message) },
      onTimeout: (delay: number) => app.log.error({ timeoutMs: delay }, 'requests still in flight at the shutdown timeout; exiting'),
    },
    async ({ signal, err }) => {
      if (err) app.log.fatal({ err }, 'uncaught error; shutting down');
      await stop(signal ?? (err ? 'uncaught error' : 'exit'));
    },
  );
  if (runJobs) scheduler = startScheduler(runtime.ctx, app.log, {}, (job, outcome, seconds) => app.recordJobRun(job, outcome, seconds));
}

async function superviseWorkers(config: Config, count: number): Promise<void> {
  const log = pino({ level: config.logLevel });
  // Migrations and the first start's bootstrap happen once, here, before any worker opens the database.
  const runtime = await openRuntime(config);
  showGeneratedRootPassword(runtime, out);
  await runtime.close();

  let stopping = false;
  const start = (runsJobs: boolean): Worker => {
    const worker = cluster.fork({ [RUNS_JOBS_ENV]: runsJobs ? '1' : '0' });
    worker.once('exit', (code, signal) => {
      if (stopping) return;
      log.error({ worker: worker.process.pid, code, signal }, 'worker exited; starting another');
      setTimeout(() => {
        if (!stopping) workers.set(start(runsJobs), runsJobs);
      }, RESTART_DELAY_MS).unref();
      workers.delete(worker);
    });
    return worker;
  };
  const workers = new Map<Worker, boolean>();
  for (let i = 0; i < count; i++) workers.set(start(i === 0), i === 0);
  log.info({ workers: count, port: config.port }, 'started workers');

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Each worker stops as a single instance does: it finishes its requests in flight, then exits.
    const exits = [...workers.keys()].map((worker) => new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code))));
    // SIGTERM whatever the primary got: a worker may also have had the terminal's SIGINT, and a second SIGINT would kill it at once.
    for (const worker of workers.keys()) worker.process.kill('SIGTERM');
    void Promise.all(exits).then((codes) => {
      process.exitCode = codes.every((code) => code === 0) ? 0 : 1;
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
