/**
 * What a test file's Tollgates said, and the secrets they were handed, kept in memory until the
 * file ends (setup.ts then looks for the one in the other). Only the suite's setup file switches
 * collection on: the benchmarks reuse the harness and must not pay for it.
 */

/** What a secret is, for the report (which never shows the value). */
export type SecretKind = 'password' | 'token' | 'CSRF token' | 'session id' | 'instance secret';

/** A place Tollgate writes to that nobody may read a secret from: a log, an audit event, an email, … */
export interface Sink {
  /** The kind of place: `log`, `error body`, `audit event`, `email`, `webhook payload`, … */
  sink: string;
  /** Which one: the instance, the request, the row. */
  where: string;
  /** Read when the file ends, so that a log still being written is read whole. */
  text: () => string | Promise<string>;
}

export interface Collected {
  /** Value → kind. */
  secrets: Map<string, SecretKind>;
  /**
   * Values the file's requests also sent as something else (a name, a path, a query): a bad-input
   * test sends one string as the password and as a username, and finding it in the audit log then
   * says nothing. Such values are not looked for.
   */
  open: Set<string>;
  sinks: Sink[];
}

/** Shorter values are words, not secrets (Tollgate refuses passwords under 8 characters). */
export const MIN_SECRET_LENGTH = 8;

let collected: Collected | null = null;

export function startCollecting(): void {
  collected = { secrets: new Map(), open: new Set(), sinks: [] };
}

/** Everything collected since the last call; collection goes on. */
export function takeCollected(): Collected {
  const taken = collected ?? { secrets: new Map(), open: new Set(), sinks: [] };
  if (collected) startCollecting();
  return taken;
}

export const collecting = (): boolean => collected !== null;

export function noteSecret(kind: SecretKind, value: string | null | undefined): void {
  if (collected && typeof value === 'string' && value.length >= MIN_SECRET_LENGTH && !collected.secrets.has(value)) collected.secrets.set(value, kind);
}

export function noteOpenValue(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) collected?.open.add(value);
}

export function noteSink(sink: string, where: string, text: string | Sink['text']): void {
  collected?.sinks.push({ sink, where, text: typeof text === 'string' ? () => text : text });
}

/** A sink written line by line (a logger's stream): pino calls `write` with each line. */
export function lineSink(sink: string, where: string): { write(line: string): void } {
  const lines: string[] = [];
  noteSink(sink, where, () => lines.join(''));
  return { write: (line) => void lines.push(line) };
}
