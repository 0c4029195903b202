import type { Failed, Failure } from './errors.js';

/**
 * The outcome of a use case: a value, or an expected failure named in the error catalogue
 * (src/domain/errors.ts). Services never know about HTTP; they throw only for bugs.
 */
export type Result<T> = { ok: true; value: T } | Failed;

export type { Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
