import { isWellFormedToken } from '../../../src/domain/token-format.js';
import type { Collected, SecretKind } from './collector.js';

export interface Leak {
  sink: string;
  where: string;
  kind: SecretKind;
  /** The text around the secret, with every secret in it masked. */
  excerpt: string;
}

/** The fixed tail of every Tollgate token: `.01.`, the body's length in base 36 (2), its CRC-32 in base 36 (7). */
const TOKEN_TAIL = /\.01\.([0-9a-z]{2})[0-9a-z]{7}/g;
/** Prefixes are at most 20 characters of these (the personal_access_token_prefix setting). */
const MAX_PREFIX_LENGTH = 20;
const PREFIX_CHAR = /[A-Za-z0-9_.-]/;
const EXCERPT_CHARS = 80;

/**
 * Every Tollgate token in `text`, whoever issued it (the harness, a console command, a client
 * library): the format's checksum covers prefix and body, so a string that passes it is a token,
 * not something that looks like one.
 */
export function tokensIn(text: string): { index: number; token: string }[] {
  const found: { index: number; token: string }[] = [];
  for (const tail of text.matchAll(TOKEN_TAIL)) {
    const end = tail.index + tail[0].length;
    const bodyStart = tail.index - parseInt(tail[1]!, 36);
    for (let start = bodyStart; start >= 0 && start >= bodyStart - MAX_PREFIX_LENGTH; start--) {
      if (start < bodyStart && !PREFIX_CHAR.test(text[start]!)) break;
      const candidate = text.slice(start, end);
      if (isWellFormedToken(candidate)) {
        found.push({ index: start, token: candidate });
        break;
      }
    }
  }
  return found;
}

function excerpt(text: string, index: number, length: number, secrets: Map<string, SecretKind>): string {
  let around = text.slice(Math.max(0, index - EXCERPT_CHARS), index + length + EXCERPT_CHARS);
  for (const { token } of tokensIn(around)) around = around.replaceAll(token, '[TOKEN]');
  for (const [value, kind] of secrets) around = around.replaceAll(value, `[${kind.toUpperCase()}]`);
  return around.replace(/\s+/g, ' ').trim();
}

/**
 * Every secret found in a sink: any Tollgate token (by its format), and every other secret the
 * file's Tollgates were handed (passwords, JWTs, session ids, …) by its value, unless the file
 * also sent that value in the open.
 */
export async function findLeaks({ secrets, open, sinks }: Collected): Promise<Leak[]> {
  // Tokens are found by their format, issued here or elsewhere; the rest by value.
  const byValue = [...secrets].filter(([value]) => !isWellFormedToken(value) && !open.has(value));
  const leaks: Leak[] = [];
  for (const { sink, where, text: read } of sinks) {
    const text = await read();
    for (const { index, token } of tokensIn(text)) leaks.push({ sink, where, kind: 'token', excerpt: excerpt(text, index, token.length, secrets) });
    for (const [value, kind] of byValue) {
      const index = text.indexOf(value);
      if (index >= 0) leaks.push({ sink, where, kind, excerpt: excerpt(text, index, value.length, secrets) });
    }
  }
  return leaks;
}

/** The failure's message: each leak once per sink, kind and excerpt, never a secret's value. */
export function describeLeaks(leaks: Leak[], limit = 20): string {
  const lines = [...new Set(leaks.map((leak) => `- ${leak.kind} in ${leak.sink} (${leak.where}): …${leak.excerpt}…`))];
  const shown = lines.slice(0, limit);
  if (lines.length > limit) shown.push(`- and ${lines.length - limit} more`);
  return `Secrets leaked: ${leaks.length} found in what Tollgate wrote (logs, error bodies, audit events, emails, webhook payloads):\n${shown.join('\n')}`;
}
