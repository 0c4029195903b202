import type { Result } from '../domain/result.js';
import type { Caller } from './caller.js';
import type { ServiceContext } from './context.js';
import type { Page, TokenListFilters } from './lists.js';
import {
  auditEventNames,
  createResourceAccessToken,
  listResourceAccessTokens,
  revokeResourceAccessToken,
  rotateResourceAccessToken,
  selfRotateResourceAccessToken,
  type NewResourceAccessToken,
  type ResourceAccessToken,
  type ResourceRef,
} from './resource-access-tokens.js';

/**
 * Group access tokens under the names they had before project tokens joined them (their use-case
 * tests and Git fixtures call these): the group side of `resource-access-tokens.ts`, nothing more.
 * Each result also carries `groupId`, the `resource_id` of a group's token.
 */

export type GroupAccessToken = ResourceAccessToken & { groupId: number };
export type NewGroupAccessToken = NewResourceAccessToken;
export const AUDIT_EVENTS = auditEventNames('group');

const group = (ref: string): ResourceRef => ({ kind: 'group', ref });

async function withGroupId<T extends ResourceAccessToken>(pending: Promise<Result<T>>): Promise<Result<T & { groupId: number }>> {
  const result = await pending;
  return result.ok ? { ok: true, value: { ...result.value, groupId: result.value.resourceId } } : result;
}

export const createGroupAccessToken = (ctx: ServiceContext, caller: Caller, groupRef: string, input: NewGroupAccessToken) =>
  withGroupId(createResourceAccessToken(ctx, caller, group(groupRef), input));

export const listGroupAccessTokens = (ctx: ServiceContext, caller: Caller, groupRef: string, filters: TokenListFilters, page: Page) =>
  listResourceAccessTokens(ctx, caller, group(groupRef), filters, page);

export const rotateGroupAccessToken = (ctx: ServiceContext, caller: Caller, groupRef: string, tokenRef: string | number, expiresAt: string | undefined) =>
  withGroupId(rotateResourceAccessToken(ctx, caller, group(groupRef), tokenRef, expiresAt));

export const selfRotateGroupAccessToken = (ctx: ServiceContext, caller: Caller, groupRef: string, expiresAt: string | undefined) =>
  withGroupId(selfRotateResourceAccessToken(ctx, caller, group(groupRef), expiresAt));

export const revokeGroupAccessToken = (ctx: ServiceContext, caller: Caller, groupRef: string, tokenRef: string | number) =>
  withGroupId(revokeResourceAccessToken(ctx, caller, group(groupRef), tokenRef));
