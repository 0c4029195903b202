import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { constantTimeEqual } from '../domain/constant-time.js';

const KEY_LENGTH = 64;
/** OWASP's password storage cheat sheet: scrypt with N=2^17, r=8, p=1 at least. */
export const DEFAULT_PASSWORD_HASH_COST = 17;
export const MIN_PASSWORD_HASH_COST = 10;
export const MAX_PASSWORD_HASH_COST = 20;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
export const MIN_PASSWORD_LENGTH = 8;

function derive(password: string, salt: Buffer, { N, r, p }: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node refuses anything above 32 MiB unless told (2^17 needs 128 MiB).
  const options: ScryptOptions = { N, r, p, maxmem: 129 * N * r * p + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/**
 * `scrypt$N$r$p$salt$key`, so the cost can rise later without breaking stored digests.
 * `cost`: log2 of N (the configuration's `passwordHashCost`).
 */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const parameters = { N: 2 ** cost, r: BLOCK_SIZE, p: PARALLELISM };
  const key = await derive(password, salt, parameters);
  return ['scrypt', parameters.N, parameters.r, parameters.p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedDigest {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseDigest(digest: string | null): ParsedDigest | null {
  const parts = digest?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return null;
  return { N, r, p, salt: Buffer.from(parts[4]!, 'base64'), key: Buffer.from(parts[5]!, 'base64') };
}

export async function verifyPassword(password: string, digest: string | null): Promise<boolean> {
  const parsed = parseDigest(digest);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed);
  return constantTimeEqual(actual, parsed.key);
}

/** A digest made with a weaker cost than `cost` (log2 N): sign-in re-hashes the password it just verified. */
export function digestNeedsUpgrade(digest: string | null, cost: number): boolean {
  const parsed = parseDigest(digest);
  return parsed !== null && (parsed.N < 2 ** cost || parsed.r < BLOCK_SIZE || parsed.p < PARALLELISM);
}

export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
