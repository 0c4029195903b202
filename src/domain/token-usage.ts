/**
 * GitLab's LastUsedService throttling (§3.7): `last_used_at` is written when it is unset or older
 * than 10 minutes; a new IP is recorded when it is not yet known and the token was last used more
 * than a minute ago; the newest 5 IPs are kept. Writing on every request would make the database
 * the bottleneck of authentication.
 */
const LAST_USED_AT_THROTTLE_MS = 10 * 60 * 1000;
const LAST_USED_IP_THROTTLE_MS = 60 * 1000;
const MAX_LAST_USED_IPS = 5;

export interface TokenUsage {
  lastUsedAt: string | null;
  lastUsedIps: string[];
}

export function nextTokenUsage(current: TokenUsage, ip: string | null, now: Date): TokenUsage | null {
  const sinceLastUse = current.lastUsedAt === null ? Infinity : now.getTime() - Date.parse(current.lastUsedAt);
  const touch = sinceLastUse > LAST_USED_AT_THROTTLE_MS;
  const addIp = ip !== null && !current.lastUsedIps.includes(ip) && sinceLastUse > LAST_USED_IP_THROTTLE_MS;
  if (!touch && !addIp) return null;
  return {
    lastUsedAt: touch ? now.toISOString() : current.lastUsedAt,
    lastUsedIps: addIp ? [...current.lastUsedIps, ip].slice(-MAX_LAST_USED_IPS) : current.lastUsedIps,
  };
}
