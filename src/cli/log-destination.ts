import { pino } from 'pino';

/** Lines are handed to the file in batches of this many bytes, or after BATCH_MAX_WAIT_MS. */
const BATCH_BYTES = 64 * 1024;
const BATCH_MAX_WAIT_MS = 1_000;

export interface LogDestination {
  write(line: string): void;
  /** Hands what is gathered to the file now (the shutdown's last lines). */
  flush(): void;
  /** Stops the timer; what is gathered is written when the process exits. */
  close(): void;
}

/**
 * Standard output for `tollgate serve`'s log, written in batches: a write per line cost a third
 * of a cached request at `info` (docs/performance.md). Lines are gathered here and given to pino's
 * destination (sonic-boom, asynchronous) as one string per batch, because sonic-boom measures its
 * pending buffer in bytes on every write it is given: per line, that was a copy of up to 16 KB and
 * half the cost of a line. A line waits at most BATCH_MAX_WAIT_MS; what is left is written when
 * the process exits, however it exits.
 */
export function openLogDestination(): LogDestination {
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    file.write(pending.join(''));
    pending = [];
    pendingBytes = 0;
  };
  // Before pino.destination registers its own exit handler, which writes sonic-boom's buffer
  // synchronously: this one runs first and hands it the last lines.
  process.on('exit', flush);
  const file = pino.destination({ sync: false });
  const timer = setInterval(flush, BATCH_MAX_WAIT_MS).unref();
  return {
    write(line) {
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= BATCH_BYTES) flush();
    },
    flush,
    close: () => clearInterval(timer),
  };
}
