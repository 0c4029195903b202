import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * GitLab's routable token format (decision T10, §1.5):
 *   prefix + base64url(16 random bytes + payload + payload length) + ".01." + len36(2) + crc36(7)
 * so secret scanners that know GitLab tokens also find Tollgate's.
 */
export const DEFAULT_TOKEN_PREFIX = 'glpat-';
const RANDOM_BYTES = 16;
const TOKEN_VERSION = '01';
const CRC_LENGTH = 7;
const MAX_PAYLOAD_BYTES = 159;
/** The longest string worth parsing; anything longer is rejected before any work. */
const MAX_TOKEN_LENGTH = 512;

export interface RoutingPayload {
  organizationId: number;
  userId: number;
}

function routingPayload({ organizationId, userId }: RoutingPayload): Buffer {
  // Keys sorted, integer values in base 36, as GitLab's RoutablePayload writes them.
  const text = `o:${organizationId.toString(36)}\nu:${userId.toString(36)}`;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_PAYLOAD_BYTES) throw new Error('routing payload too long');
  return bytes;
}

function crc36(text: string): string {
  return crc32(Buffer.from(text, 'utf8')).toString(36).padStart(CRC_LENGTH, '0');
}

export function generateToken(prefix: string, payload: RoutingPayload, random: Buffer = randomBytes(RANDOM_BYTES)): string {
  const routing = routingPayload(payload);
  const encodable = Buffer.concat([random, routing, Buffer.from([routing.length])]);
  const body64 = encodable.toString('base64url');
  const body = `${prefix}${body64}.${TOKEN_VERSION}.${body64.length.toString(36).padStart(2, '0')}`;
  return body + crc36(body);
}

const TAIL = /\.01\.([0-9a-z]{2})([0-9a-z]{7})$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Checks the shape and checksum of a presented token without any I/O. The prefix is not compared
 * with the current setting: tokens issued under an earlier prefix must keep working.
 */
export function isWellFormedToken(token: string): boolean {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return false;
  const tail = TAIL.exec(token);
  if (!tail) return false;
  const body = token.slice(0, token.length - CRC_LENGTH);
  if (crc36(body) !== tail[2]) return false;
  const body64Length = parseInt(tail[1]!, 36);
  const beforeTail = token.slice(0, tail.index);
  if (body64Length <= 0 || body64Length > beforeTail.length) return false;
  return BASE64URL.test(beforeTail.slice(beforeTail.length - body64Length));
}

/** Tokens are high-entropy, so a keyed fast hash is right. */
export function tokenDigest(secret: Buffer, token: string): string {
  return createHmac('sha256', secret).update(token, 'utf8').digest('base64');
}

