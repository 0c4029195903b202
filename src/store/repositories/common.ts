import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../schema.js';

/** A connection or an open transaction: repositories work inside either. */
export type Db = Kysely<Schema> | Transaction<Schema>;


/** PostgreSQL returns bigint counts as strings. */
export const toCount = (value: string | number | bigint | null | undefined): number => Number(value ?? 0);

export interface Page {
  page: number;
  perPage: number;
}

export const offsetOf = ({ page, perPage }: Page): number => (page - 1) * perPage;

/**
 * Ids are PostgreSQL `integer`s. A larger number names no record, and must not reach a query,
 * where PostgreSQL would refuse it with an error instead of finding nothing.
 */
const MAX_RECORD_ID = 2_147_483_647;
export const isRecordId = (value: number): boolean => Number.isInteger(value) && value >= 1 && value <= MAX_RECORD_ID;

/**
 * A unique index refused a row (PostgreSQL 23505, SQLite's UNIQUE constraint). A check before an
 * insert cannot see a concurrent request's uncommitted row, so the index has the last word and
 * its refusal is the same answer the check gives.
 */
export function isUniqueViolation(error: unknown): error is { code: string; constraint?: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
