import { Argument, InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config.js';
import { FixedClock, systemClock, type Clock } from '../domain/clock.js';
import { JOB_NAMES, JOBS, runJob, type JobName } from '../jobs/registry.js';
import { openRuntime } from './runtime.js';

function isoTimeOption(value: string): Date {
  // A full timestamp with a zone, or a date (taken as 00:00 UTC): what `--now` should mean is never ambiguous.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw new InvalidArgumentError('expected an ISO time such as 2026-07-01T01:00:00Z (or a date, meaning 00:00 UTC)');
  }
  const at = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError('expected an ISO time such as 2026-07-01T01:00:00Z');
  return at;
}

/**
 * `tollgate jobs run <name> [--now <ISO time>]`: one run of a scheduled job, as the server's
 * scheduler would run it (same lock, so it never overlaps a run elsewhere), optionally as of
 * another time. Prints the job's report as one line of JSON.
 */
export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').description('Scheduled jobs');
  jobs
    .command('list')
    .description('The jobs and when the server runs them (UTC)')
    .action(() => {
      for (const name of JOB_NAMES) process.stdout.write(`${name}\t${JOBS[name].schedule}\t${JOBS[name].description}\n`);
    });
  jobs
    .command('run')
    .description('Run one job once')
    .addArgument(new Argument('<name>', 'the job').choices(JOB_NAMES))
    .option('--now <ISO time>', 'run as of this time instead of the clock (UTC unless the time says otherwise)', isoTimeOption)
    .action(async (name: JobName, options: { now?: Date }) => {
      const clock: Clock = options.now ? new FixedClock(options.now) : systemClock;
      const runtime = await openRuntime(loadConfig(), clock);
      try {
        const result = await runJob(name, runtime.ctx);
        if (!result.ran) throw new Error(`${name} did not run: ${result.reason}`);
        process.stdout.write(`${JSON.stringify({ job: name, ...result.report })}\n`);
      } finally {
        await runtime.close();
      }
    });
}
