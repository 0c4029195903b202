import { Cron } from 'croner';
import type { ServiceContext } from '../services/context.js';
import { JOB_NAMES, JOBS, runJob, type JobName, type JobOptions } from './registry.js';

export interface JobLogger {
  info(object: object, message: string): void;
  debug(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface Scheduler {
  /** When each job runs next. */
  nextRuns(): Record<JobName, Date | null>;
  /** Stops the timers and waits for runs in progress, so the database can close after it. */
  stop(): Promise<void>;
}

/** A report worth a log line: one that counts something (the 5-second jobs are mostly idle). */
function didSomething(report: object): boolean {
  return Object.values(report).some((v) => (typeof v === 'number' ? v > 0 : v && typeof v === 'object' ? didSomething(v as object) : v === true));
}

/**
 * The jobs of `tollgate serve`, on croner in UTC. A job never overlaps itself here (`protect`), an
 * error is logged and the next run tries again, and across instances the job lock lets one run.
 */
/** Told of every run: ran, skipped (another run held the lock) or failed, and how long it took. */
type JobRunObserver = (job: JobName, outcome: 'ran' | 'skipped' | 'failed', seconds: number) => void;

export function startScheduler(ctx: ServiceContext, logger: JobLogger, options: JobOptions = {}, observe: JobRunObserver = () => {}): Scheduler {
  const running = new Set<Promise<unknown>>();
  const crons = new Map<JobName, Cron>();
  for (const name of JOB_NAMES) {
    const cron = new Cron(
      JOBS[name].schedule,
      {
        // UTC as an offset, not as the time zone 'UTC': croner works a zone out through
        // toLocaleString on every check of the clock, 3 ms of CPU a second for the jobs that run
        // every second or five; with an offset it is plain UTC arithmetic.
        utcOffset: 0,
        protect: () => logger.debug({ job: name }, 'previous run still in progress; skipped'),
        catch: (error) => logger.error({ job: name, err: error }, 'scheduled job failed'),
      },
      async () => {
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        const run = runJob(name, ctx, options);
        running.add(run);
        try {
          const result = await run;
          observe(name, result.ran ? 'ran' : 'skipped', seconds());
          if (!result.ran) logger.debug({ job: name }, result.reason);
          else if (didSomething(result.report)) logger.info({ job: name, report: result.report }, 'scheduled job ran');
        } catch (error) {
          observe(name, 'failed', seconds());
          throw error;
        } finally {
          running.delete(run);
        }
      },
    );
    crons.set(name, cron);
  }
  return {
    nextRuns: () => Object.fromEntries([...crons].map(([name, cron]) => [name, cron.nextRun()])) as Record<JobName, Date | null>,
    async stop() {
      for (const cron of crons.values()) cron.stop();
      await Promise.allSettled([...running]);
    },
  };
}
