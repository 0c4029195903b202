import { timingSafeEqual } from 'node:crypto';

/**
 * Compares secrets (CSRF tokens, password digests) in time that does not depend on where they
 * differ, so an attacker cannot find a secret byte by byte. Only the length may leak.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const left = typeof a === 'string' ? Buffer.from(a) : a;
  const right = typeof b === 'string' ? Buffer.from(b) : b;
  return left.length === right.length && timingSafeEqual(left, right);
}
