import { BlockList, isIP } from 'node:net';

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

function blockList(v4: string[], v6: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of v4) {
    const [net, prefix] = cidr.split('/');
    list.addSubnet(net!, Number(prefix), 'ipv4');
  }
  for (const cidr of v6) {
    const [net, prefix] = cidr.split('/');
    list.addSubnet(net!, Number(prefix), 'ipv6');
  }
  return list;
}

const LOOPBACK = blockList(['127.0.0.0/8', '0.0.0.0/8'], ['::1/128', '::/128']);
const LOCAL_NETWORK = blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], ['fc00::/7']);
const LINK_LOCAL = blockList(['169.254.0.0/16'], ['fe80::/10']);
const RESERVED = blockList(['224.0.0.0/4', '240.0.0.0/4'], ['ff00::/8']);

/** An IPv4 address carried inside an IPv6 one (mapped, compatible or NAT64), else null. */
function embeddedIpv4(ipv6: string): string | null {
  const lower = ipv6.toLowerCase();
  const match = /^(?:::ffff:|::|64:ff9b::)(.+)$/.exec(lower);
  if (!match) return null;
  const rest = match[1]!;
  if (isIP(rest) === 4) return rest;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Why an IP address must not be requested, or null when it is a public address. */
export function classifyAddress(address: string): BlockReason | null {
  const family = isIP(address);
  if (family === 0) return 'invalid';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return classifyAddress(v4);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(address, type)) return 'localhost';
  if (LOCAL_NETWORK.check(address, type)) return 'local_network';
  if (LINK_LOCAL.check(address, type)) return 'link_local';
  if (RESERVED.check(address, type)) return 'reserved';
  return null;
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
