// Servers under test run as child processes, exactly as an operator starts them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

/** A port nobody listens on right now (the OS picks it; the server binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process (VmRSS of /proc/<pid>/status), in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

let clockTicksPerSecond: number | undefined;

/**
 * CPU time a process has used so far, all its threads, user and system (utime + stime of
 * /proc/<pid>/stat), in seconds: what a request costs the server, whatever else the machine runs.
 */
export function cpuSeconds(pid: number): number {
  clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

export interface ServerProcess {
  pid: number;
  /** From spawn to the first 200 of the readiness URL. */
  readyMs: number;
  /** The highest RSS seen while `work` runs, sampled every 100 ms. */
  peakRssDuring<T>(work: () => Promise<T>): Promise<{ result: T; peakRssBytes: number }>;
  stop(): Promise<void>;
}

export interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  readinessUrl: string;
  /** Where stdout goes: a file, or /dev/null. Never a pipe read line by line: that would slow the server. */
  stdoutFile: string;
  /** stderr, shown when the server does not come up. */
  stderrFile: string;
}

const READY_TIMEOUT_MS = 30_000;
const running = new Set<ChildProcess>();
// A bench stopped half-way (an error, Ctrl-C) must not leave servers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const stdout = openSync(spec.stdoutFile, 'w');
  const stderr = openSync(spec.stderrFile, 'w');
  const started = performance.now();
  const child = spawn(spec.command, spec.args, { env: spec.env, stdio: ['ignore', stdout, stderr] });
  closeSync(stdout);
  closeSync(stderr);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const fail = (why: string): never => {
    child.kill('SIGKILL');
    throw new Error(`${spec.name}: ${why}\n${readFileSync(spec.stderrFile, 'utf8')}`);
  };
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) fail(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    if (await answers200(spec.readinessUrl)) break;
    if (performance.now() - started > READY_TIMEOUT_MS) fail(`not ready after ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  const pid = child.pid!;
  return {
    pid,
    readyMs,
    async peakRssDuring(work) {
      let peak = rssBytes(pid);
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
      try {
        const result = await work();
        return { result, peakRssBytes: Math.max(peak, rssBytes(pid)) };
      } finally {
        clearInterval(sampler);
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
