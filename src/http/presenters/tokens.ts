import { isExpired } from '../../domain/expiry.js';
import type { TokenRow } from '../../store/schema.js';

/**
 * GitLab's PersonalAccessToken entity with last-used IPs (§1.4), fields in GitLab's order. The
 * plaintext never appears here: only `withToken` adds it, in create and rotate responses.
 */
export function toTokenJson(token: TokenRow, now: Date) {
  const expired = isExpired(token.expires_at, now);
  const revoked = token.revoked === 1;
  return {
    id: token.id,
    name: token.name,
    active: !revoked && !expired,
    revoked,
    expired,
    granular: false,
    created_at: token.created_at,
    description: token.description,
    scopes: JSON.parse(token.scopes) as string[],
    user_id: token.user_id,
    last_used_at: token.last_used_at,
    expires_at: token.expires_at,
    last_used_ips: JSON.parse(token.last_used_ips) as string[],
    /** Tollgate's addition (GitLab keeps it internally as updated_at): when the token was revoked. */
    revoked_at: token.revoked_at,
  };
}

export const withToken = <T extends object>(json: T, token: string) => ({ ...json, token });
