import ipaddr from 'ipaddr.js';
import { failure } from './errors.js';
import { ok, type Result } from './result.js';

/**
 * Tollgate's own per-token IP allowlist (issue 13; docs/api.md "Tollgate's own features"): a token
 * with `allowed_cidrs` authenticates only from those networks. Parsing and matching are
 * ipaddr.js's; what is ours is the shape of the list and how entries are written back.
 */

export const MAX_ALLOWED_CIDRS = 50;

type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An address as a client or an entry gives it: strict forms only (no `10.1`, no zone). */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return null;
}

/**
 * An entry as a network: `a.b.c.d/n`, `x::y/n`, or a plain address (a network of one). An
 * IPv4-mapped IPv6 entry (`::ffff:10.0.0.0/104`) is the IPv4 network it maps.
 */
function parseEntry(entry: string): Network | null {
  const [address, prefix, extra] = entry.split('/');
  if (address === undefined || extra !== undefined) return null;
  const parsed = parseAddress(address);
  if (!parsed) return null;
  const bits = parsed.kind() === 'ipv4' ? 32 : 128;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return null;
  const length = prefix === undefined ? bits : Number(prefix);
  if (length > bits) return null;
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress() && length >= 96) return [parsed.toIPv4Address(), length - 96];
  return [parsed, length];
}

const formatNetwork = ([address, length]: Network) => (length === (address.kind() === 'ipv4' ? 32 : 128) ? address.toString() : `${address.toString()}/${length}`);

/**
 * The allowlist as given on create: at most 50 entries, each a network or an address, written
 * back in ipaddr.js's canonical form (`::1`, `10.0.0.0/8`), duplicates dropped. Anything else
 * is `400 {"error":"allowed_cidrs is invalid"}`, in Grape's words for a parameter.
 */
export function parseAllowedCidrs(given: readonly unknown[] | undefined): Result<string[]> {
  if (given === undefined) return ok([]);
  if (given.length > MAX_ALLOWED_CIDRS) return failure('allowed_cidrs_invalid');
  const entries: string[] = [];
  for (const entry of given) {
    const network = typeof entry === 'string' ? parseEntry(entry.trim()) : null;
    if (!network) return failure('allowed_cidrs_invalid');
    const text = formatNetwork(network);
    if (!entries.includes(text)) entries.push(text);
  }
  return ok(entries);
}

/**
 * Whether a client at `ip` may use a token with this allowlist; an empty list allows everyone.
 * An IPv4-mapped IPv6 peer (`::ffff:127.0.0.1`, a dual-stack socket's view) is its IPv4 address.
 * An unknown or unparsable client address is not in any network.
 */
export function isAllowedFrom(allowed: readonly string[], ip: string | null): boolean {
  if (allowed.length === 0) return true;
  if (ip === null || !ipaddr.isValid(ip)) return false;
  const client = ipaddr.process(ip);
  return allowed.some((entry) => {
    const network = parseEntry(entry);
    return network !== null && network[0].kind() === client.kind() && client.match(network as [typeof client, number]);
  });
}
