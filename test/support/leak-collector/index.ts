import type { FastifyLoggerOptions } from 'fastify';
import { loggerOptions } from '../../../src/http/app.js';
import { collecting, lineSink } from './collector.js';

/**
 * What the suite's helpers use (harness, console processes, peers). Each does nothing unless the
 * suite's setup file (setup.ts) is collecting.
 */
export { collecting, noteSecret, noteSink } from './collector.js';
export { watchExchanges } from './exchanges.js';
export { collectStored, mailText } from './stored.js';

/**
 * The logger of an instance in the suite: Tollgate's own logger options at `debug`, the level that
 * writes the most (request headers included), into the collection; no logger when not collecting.
 */
export function collectingLogger(where: string): (FastifyLoggerOptions & { stream: { write(line: string): void } }) | false {
  return collecting() ? { ...loggerOptions('debug'), stream: lineSink('log', where) } : false;
}
