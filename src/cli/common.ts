import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { gitLabAnswer, type Failure } from '../domain/errors.js';
import { parseIsoDate } from '../domain/expiry.js';
import type { Result } from '../domain/result.js';
import { consoleCaller, type Caller } from '../services/caller.js';
import type { ServiceContext } from '../services/context.js';
import { INITIAL_ROOT_PASSWORD_FILE, openRuntime, type Runtime } from './runtime.js';

/** What the console commands share: the runtime, option parsers, and how results and failures are shown. */

/** A failure the operator caused: one line on stderr, exit code 1. */
export class CliError extends Error {}

export const out = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => process.stderr.write(`${text}\n`);

/** Shown once, by whichever command started the instance first and so created root. */
export function showGeneratedRootPassword(runtime: Runtime, print: (text: string) => void) {
  const password = runtime.bootstrap.generatedRootPassword;
  if (!password) return;
  print(`Created the administrator "root" with the password: ${password}`);
  print(`(also written to ${join(runtime.ctx.config.dataDir, INITIAL_ROOT_PASSWORD_FILE)}; it is not shown again)`);
}

export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig());
  try {
    // stderr: a console command's stdout is its result (`pat create` prints only the token).
    showGeneratedRootPassword(runtime, note);
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * The seeds' "Rails console" recipe: an administrator acting through the use cases, as root (so the
 * API's rules still apply: roles, creation allowed, lifetime); its audit events name the console.
 */
export async function asConsole<T>(work: (ctx: ServiceContext, caller: Caller) => Promise<T>): Promise<T> {
  return withRuntime(async ({ ctx }) => {
    const caller = await consoleCaller(ctx);
    if (!caller) throw new CliError('the administrator "root" does not exist');
    return work(ctx, caller);
  });
}

export const scopeList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** `--allowed-cidrs 10.0.0.0/8,::1` (Tollgate's own, issue 13): the entries are checked by the service, as the API's are. */
export const ALLOWED_CIDRS_OPTION = ['--allowed-cidrs <a,b>', 'comma-separated networks (CIDRs or addresses) the token may be used from (default: anywhere)'] as const;

export function isoDateOption(value: string): string {
  const date = parseIsoDate(value);
  if (!date) throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return date;
}

/** A failure in the words the API answers it with ("400 Bad request - Name can't be blank"). */
function apiMessage(failure: Failure): string {
  const { body } = gitLabAnswer(failure);
  return typeof body.message === 'string' ? body.message : String(body.error ?? JSON.stringify(body.message));
}

/**
 * The value of a use case, or its failure as the console's one line: the reason alone, or (for the
 * commands that mirror an API endpoint) the failure as the API words it.
 */
export function valueOf<T>(result: Result<T>, words: 'reason' | 'api' = 'reason'): T {
  if (result.ok) return result.value;
  throw new CliError(words === 'api' ? apiMessage(result.error) : (result.error.message ?? result.error.kind.replace('_', ' ')));
}
