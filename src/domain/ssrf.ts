import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Server-side request forgery guard for webhook URLs (GitLab's UrlBlocker): only http(s), and no
 * loopback, private, link-local or reserved addresses unless an administrator allows local
 * requests (`allow_local_requests_from_web_hooks_and_services`). Names are checked here as far as
 * they can be without DNS; the delivery resolves them and checks every address again, so a name
 * that later resolves to 127.0.0.1 (DNS rebinding) is still refused.
 */
export type BlockReason = 'invalid' | 'scheme' | 'localhost' | 'local_network' | 'link_local' | 'reserved';

/** GitLab's wording, after "is blocked: ". */
export const BLOCK_MESSAGES: Record<BlockReason, string> = {
  invalid: 'URI is invalid',
  scheme: 'Only allowed schemes are http, https',
  localhost: 'Requests to localhost are not allowed',
  local_network: 'Requests to the local network are not allowed',
  link_local: 'Requests to the link local network are not allowed',
  reserved: 'Requests to broadcast, multicast or reserved addresses are not allowed',
};

/** Why each of ipaddr.js's special ranges is refused; every other one but `unicast` is reserved. */
const RANGE_REASONS: Partial<Record<string, BlockReason>> = {
  loopback: 'localhost',
  unspecified: 'localhost',
  private: 'local_network',
  uniqueLocal: 'local_network',
  carrierGradeNat: 'local_network',
  deprecatedSiteLocal: 'local_network',
  linkLocal: 'link_local',
};

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * The IPv4 address an IPv6 one carries and would reach: mapped and translated (`::ffff:…`),
 * NAT64 (`64:ff9b::/96`), 6to4 (`2002:<v4>::/48`) and the deprecated IPv4-compatible `::<v4>`.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  const range = address.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || address.match(NAT64)) return new ipaddr.IPv4(bytes.slice(12));
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  if (range !== 'loopback' && range !== 'unspecified' && bytes.slice(0, 12).every((byte) => byte === 0)) return new ipaddr.IPv4(bytes.slice(12));
  return null;
}

/**
 * Why an IP address must not be requested, or null when it is a public address. The ranges are
 * ipaddr.js's (IANA's special-purpose registries), not a hand-kept list: a tunnel (Teredo), a
 * benchmarking network (198.18.0.0/15) or IETF's 192.0.0.0/24 is reserved like multicast is.
 */
export function classifyAddress(address: string): BlockReason | null {
  if (isIP(address) === 0) return 'invalid';
  const parsed = ipaddr.parse(address);
  const target = parsed.kind() === 'ipv6' ? (embeddedIpv4(parsed as ipaddr.IPv6) ?? parsed) : parsed;
  const range = target.range();
  return range === 'unicast' ? null : (RANGE_REASONS[range] ?? 'reserved');
}

/** What allowing local requests lifts: everything but malformed URLs and reserved addresses. */
export function isBlocked(reason: BlockReason | null, allowLocal: boolean): boolean {
  if (reason === null) return false;
  if (reason === 'invalid' || reason === 'scheme' || reason === 'reserved') return true;
  return !allowLocal;
}

export type UrlCheck = { ok: true; url: URL; host: string; literalIp: boolean } | { ok: false; reason: BlockReason };

/** Checks a hook URL as far as it can be checked without DNS. */
export function checkHookUrl(raw: string, allowLocal: boolean): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'scheme' };
  // WHATWG parsing already turned "0x7f.1" and "2130706433" into 127.0.0.1.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (host === '') return { ok: false, reason: 'invalid' };
  const literalIp = isIP(host) !== 0;
  const reason = literalIp ? classifyAddress(host) : /(^|\.)localhost$/i.test(host) ? 'localhost' : null;
  if (isBlocked(reason, allowLocal)) return { ok: false, reason: reason! };
  return { ok: true, url, host, literalIp };
}
