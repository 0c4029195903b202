import { isAllowedFrom } from './ip-allowlist.js';

/**
 * The API's and forward auth's answer to token guessing (issue 14; docs/operator-guide.md "Brute
 * force"): GitLab bans neither by default, so instead of a ban a throttle that a legitimate client
 * never meets. Past `limit` failed token authentications from one address within a minute, that
 * address's requests with a token answer 429 until the minute ends, except tokens that already
 * authenticated from it in the last hour.
 */

/** How long a token that authenticated from an address stays exempt there. */
export const KNOWN_GOOD_MS = 60 * 60 * 1000;

/** The failures so far this minute hold the address back (limit 0: the throttle is off). */
export const holdsBack = (limit: number, failuresThisMinute: number): boolean => limit > 0 && failuresThisMinute >= limit;

/**
 * An address the operator exempted (monitoring hosts). No address is exempt by default, loopback
 * included: an empty list exempts nobody (unlike a token's allowlist, where it allows everyone).
 */
export const isThrottleExempt = (allowlist: readonly string[], ip: string): boolean => allowlist.length > 0 && isAllowedFrom(allowlist, ip);

/** Authentication outcomes that count as a failure: a guess, or a token that is no longer good. */
export const countsAsFailure = (outcome: string): boolean => outcome === 'unknown' || outcome === 'expired' || outcome === 'revoked' || outcome === 'ip_refused';
