// The load generator: wrk, a C program, so that the generator is not what is measured (a Node
// generator topped out near half the rate of a bare Fastify route on this machine).
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const WRK = process.env.BENCH_WRK ?? 'wrk';

export interface WrkLoad {
  url: string;
  durationS: number;
  connections: number;
  headers?: Record<string, string>;
  /** A Lua script (`-s`), for requests other than a plain GET. */
  script?: string;
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx or 3xx. */
  non2xx: number;
  /** Connect, read and write errors and timeouts (wrk's 2 s default). */
  socketErrors: number;
}

/** wrk's version line, or null when it is not installed. */
export function wrkVersion(): string | null {
  const run = spawnSync(WRK, ['-v'], { encoding: 'utf8' });
  if (run.error) return null;
  return `${run.stdout}${run.stderr}`.split('\n')[0]!.trim();
}

/**
 * `wrk -t1 -c<connections> -d<duration>s --timeout 10s --latency`: one thread, so the server keeps
 * the other core. wrk gives up on an answer after 2 s by default and leaves it out of the
 * latencies: a slow answer must show in p99, not vanish into the error count.
 */
export async function runWrk(load: WrkLoad): Promise<WrkResult> {
  const args = ['-t1', `-c${load.connections}`, `-d${load.durationS}s`, '--timeout', '10s', '--latency'];
  for (const [name, value] of Object.entries(load.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (load.script) args.push('-s', load.script);
  args.push(load.url);
  const { stdout } = await promisify(execFile)(WRK, args, { encoding: 'utf8' });
  return parseWrkOutput(stdout);
}

const LATENCY_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(output);
  if (!match) throw new Error(`wrk printed no ${percentile}% latency:\n${output}`);
  return Number(match[1]) * LATENCY_UNITS[match[2]!]!;
}

function count(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  return match ? Number(match[1]) : 0;
}

/** The figures of wrk's `--latency` report. */
export function parseWrkOutput(output: string): WrkResult {
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (!rate) throw new Error(`wrk printed no Requests/sec:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requestsPerSecond: Number(rate[1]),
    requests: count(output, /^\s*(\d+) requests in/m),
    p50Ms: latencyMs(output, '50'),
    p99Ms: latencyMs(output, '99'),
    non2xx: count(output, /Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}
