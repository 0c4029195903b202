import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../schema.js';

/** A connection or an open transaction: repositories work inside either. */
export type Db = Kysely<Schema> | Transaction<Schema>;

export const flag = (value: boolean): 0 | 1 => (value ? 1 : 0);

/** PostgreSQL returns bigint counts as strings. */
export const toCount = (value: string | number | bigint | null | undefined): number => Number(value ?? 0);

export interface Page {
  page: number;
  perPage: number;
}

export const offsetOf = ({ page, perPage }: Page): number => (page - 1) * perPage;
