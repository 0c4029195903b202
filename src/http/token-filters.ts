import { Type } from '@fastify/type-provider-typebox';
import type { TokenListFilters } from '../services/lists.js';
import { paramError } from './plugins/errors.js';
import { DateString, PaginationQuery, StringEnum } from './schemas.js';

const DateTime = (description: string) => Type.Optional(Type.String({ maxLength: 64, description: `${description} (ISO 8601)`, examples: ['2026-01-31T00:00:00Z'] }));

/** The list filters GitLab's PersonalAccessTokensFinder understands (§2.1), for every token list. */
export const TokenListQuery = {
  state: Type.Optional(StringEnum(['active', 'inactive'] as const, { description: 'active: not revoked and not expired; inactive: revoked or expired', examples: ['inactive'] })),
  revoked: Type.Optional(Type.Boolean({ description: 'true: revoked tokens only; false: not revoked', examples: [false] })),
  created_before: DateTime('Created at or before'),
  created_after: DateTime('Created at or after'),
  last_used_before: DateTime('Last used at or before'),
  last_used_after: DateTime('Last used at or after'),
  expires_before: Type.Optional(DateString('Expiring before this date')),
  expires_after: Type.Optional(DateString('Expiring on or after this date')),
  search: Type.Optional(Type.String({ maxLength: 255, description: "Terms of 3+ characters that the name must all contain (GitLab's fuzzy search)", examples: ['deploy'] })),
  sort: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'name_asc, name_desc, created_asc, created_desc, expires_asc, expires_desc, last_used_asc, last_used_desc, …; unknown values are ignored',
      examples: ['name_asc'],
    }),
  ),
  ...PaginationQuery,
};

type TokenListQueryValues = {
  state?: 'active' | 'inactive' | undefined;
  revoked?: boolean | undefined;
  created_before?: string | undefined;
  created_after?: string | undefined;
  last_used_before?: string | undefined;
  last_used_after?: string | undefined;
  expires_before?: string | undefined;
  expires_after?: string | undefined;
  search?: string | undefined;
  sort?: string | undefined;
};

/** GitLab's DateTime coercion: anything Date.parse reads; otherwise `<param> is invalid`. */
export function dateTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw paramError(`${name} is invalid`);
  return new Date(ms).toISOString();
}

export function tokenFiltersFrom(query: TokenListQueryValues): TokenListFilters {
  return {
    state: query.state,
    revoked: query.revoked,
    createdBefore: dateTime('created_before', query.created_before),
    createdAfter: dateTime('created_after', query.created_after),
    lastUsedBefore: dateTime('last_used_before', query.last_used_before),
    lastUsedAfter: dateTime('last_used_after', query.last_used_after),
    expiresBefore: query.expires_before,
    expiresAfter: query.expires_after,
    search: query.search,
    sort: query.sort,
  };
}
