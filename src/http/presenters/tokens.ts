import { isExpired } from '../../domain/expiry.js';
import { openGraceEndsAt, rotationStanding } from '../../domain/rotation-grace.js';
import type { TokenView } from '../../store/schema.js';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { DateString, Entity, Nullable, Timestamp } from '../schemas.js';

/** The fields of GitLab's PersonalAccessToken entity (with last-used IPs), shared by every kind of token. */
export const tokenFields = {
  id: Type.Integer({ description: 'ID of the token' }),
  name: Type.String({ description: 'Name of the token' }),
  active: Type.Boolean({ description: 'Neither revoked nor expired' }),
  revoked: Type.Boolean({ description: 'Revoked (by hand, by rotation or by reuse detection)' }),
  expired: Type.Boolean({ description: 'Past its expiry date' }),
  granular: Type.Boolean({ description: 'A fine-grained token; always false here' }),
  created_at: Timestamp('When the token was created'),
  description: Nullable(Type.String({ description: 'Description of the token' })),
  scopes: Type.Array(Type.String(), { description: 'Scopes of the token, in the order given', examples: [['api', 'read_repository']] }),
  user_id: Type.Integer({ description: 'ID of the user the token belongs to (for a group access token: its bot user)' }),
  last_used_at: Nullable(Timestamp('When the token was last used (written at most every 10 minutes); null if never')),
  expires_at: Nullable(DateString('Expiry date: the token stops working at 00:00 UTC that day; null if it never expires')),
  last_used_ips: Type.Array(Type.String(), { description: 'The last IP addresses the token was used from (at most 5)' }),
  revoked_at: Nullable(Timestamp("When the token was revoked; null if it is not (Tollgate's addition: GitLab keeps it internally)")),
  allowed_cidrs: Type.Array(Type.String(), {
    description: "Tollgate's own: the networks (CIDRs or addresses, IPv4 or IPv6) the token may be used from; empty: anywhere",
    examples: [['10.0.0.0/8', '2001:db8::/32']],
  }),
  rotation_grace_ends_at: Nullable(
    Timestamp("Tollgate's own: the token was rotated with an overlap window and keeps working until then; null when no window is open"),
  ),
};

/** The plaintext token: only in the responses of create and rotate. */
export const tokenValueField = {
  token: Type.String({ description: 'The token itself; shown in this response only, never again', examples: ['glpat-ExampleExampleExample'] }),
};

export const PersonalAccessTokenJson = Entity(
  Type.Object(tokenFields, { $id: 'PersonalAccessToken', description: "A personal access token (GitLab's PersonalAccessToken entity), without the token itself" }),
);

export const PersonalAccessTokenWithTokenJson = Entity(
  Type.Object(
    { ...tokenFields, ...tokenValueField },
    { $id: 'PersonalAccessTokenWithToken', description: 'A personal access token with the token itself: the answer of create and rotate' },
  ),
);

/**
 * GitLab's PersonalAccessToken entity with last-used IPs (§1.4), fields in GitLab's order. The
 * plaintext never appears here: only `withToken` adds it, in create and rotate responses.
 */
export function toTokenJson(token: TokenView, now: Date): Static<typeof PersonalAccessTokenJson> {
  const expired = isExpired(token.expires_at, now);
  // A token whose rotation overlap window ended is revoked, whether or not the job wrote it yet.
  const grace = { revoked: token.revoked === 1, rotationGraceEndsAt: token.rotation_grace_ends_at };
  const revoked = rotationStanding(grace, now) === 'revoked';
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
    revoked_at: token.revoked_at ?? (revoked ? token.rotation_grace_ends_at : null),
    allowed_cidrs: JSON.parse(token.allowed_cidrs) as string[],
    rotation_grace_ends_at: openGraceEndsAt(grace, now),
  };
}

export const withToken = <T extends object>(json: T, token: string) => ({ ...json, token });
