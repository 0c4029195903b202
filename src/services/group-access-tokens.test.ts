import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../test/support/databases.js';
import { AccessLevel, makeGroup, makeUser, setRole } from '../../test/support/factories.js';
import { createHarness, type Harness } from '../../test/support/harness.js';
import { canGrantTokenRole } from '../domain/permissions.js';
import { findMember } from '../store/repositories/groups.js';
import { findTokenById } from '../store/repositories/tokens.js';
import { findUserById } from '../store/repositories/users.js';
import type { GroupRow, UserRow } from '../store/schema.js';
import { CONSOLE_ORIGIN_NAME } from './audit.js';
import { authenticateToken } from './authenticate.js';
import { consoleCallerAs, type Caller } from './caller.js';
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
} from './resource-access-tokens.js';
import type { Result } from '../domain/result.js';

// The group side of the resource-token use cases, under the names these tests were written with;
// each result also carries `groupId`, the `resource_id` of a group's token.
const AUDIT_EVENTS = auditEventNames('group');
const onGroup = (ref: string) => ({ kind: 'group' as const, ref });
async function withGroupId<T extends ResourceAccessToken>(pending: Promise<Result<T>>): Promise<Result<T & { groupId: number }>> {
  const result = await pending;
  return result.ok ? { ok: true, value: { ...result.value, groupId: result.value.resourceId } } : result;
}
const createGroupAccessToken = (ctx: ServiceContext, caller: Caller, ref: string, input: NewResourceAccessToken) =>
  withGroupId(createResourceAccessToken(ctx, caller, onGroup(ref), input));
const listGroupAccessTokens = (ctx: ServiceContext, caller: Caller, ref: string, filters: TokenListFilters, page: Page) =>
  listResourceAccessTokens(ctx, caller, onGroup(ref), filters, page);
const rotateGroupAccessToken = (ctx: ServiceContext, caller: Caller, ref: string, tokenRef: string | number, expiresAt: string | undefined) =>
  withGroupId(rotateResourceAccessToken(ctx, caller, onGroup(ref), tokenRef, expiresAt));
const selfRotateGroupAccessToken = (ctx: ServiceContext, caller: Caller, ref: string, expiresAt: string | undefined) =>
  withGroupId(selfRotateResourceAccessToken(ctx, caller, onGroup(ref), expiresAt));
const revokeGroupAccessToken = (ctx: ServiceContext, caller: Caller, ref: string, tokenRef: string | number) =>
  withGroupId(revokeResourceAccessToken(ctx, caller, onGroup(ref), tokenRef));

/** A fault injected on purpose: the next insert into `table` fails, as a full disk or a dropped connection would. */
class FailInsertInto implements KyselyPlugin {
  constructor(private readonly table: string) {}
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === this.table) throw new Error(`injected fault: insert into ${this.table}`);
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

/** Counts the statements a use case sends to the database. */
class CountQueries implements KyselyPlugin {
  count = 0;
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    this.count += 1;
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

describe.each(TEST_DIALECTS)('group access token use cases (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T12:00:00.000Z' });
  });
  afterAll(() => h.close());

  const callerFor = (user: UserRow): Caller => ({ ...consoleCallerAs(user), via: 'session', ip: '192.0.2.1' });
  /** The caller a token stands for, as authentication builds it. */
  const tokenCallerFor = async (plaintext: string): Promise<Caller> => {
    const outcome = await authenticateToken(h.ctx, plaintext, { path: '/', ip: '192.0.2.1' });
    if (outcome.kind !== 'ok') throw new Error(`token not usable: ${outcome.kind}`);
    return outcome.caller;
  };
  const withPlugin = (plugin: KyselyPlugin): ServiceContext => ({ ...h.ctx, database: { ...h.ctx.database, db: h.ctx.database.db.withPlugin(plugin) } });

  async function counts(group: GroupRow) {
    const db = h.ctx.database.db;
    const n = async (query: { executeTakeFirstOrThrow(): Promise<{ n: unknown }> }) => Number((await query.executeTakeFirstOrThrow()).n);
    return {
      bots: await n(db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('user_type', '=', 'project_bot')),
      members: await n(db.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).where('source_type', '=', 'group').where('source_id', '=', group.id)),
      tokens: await n(db.selectFrom('personal_access_tokens').select((eb) => eb.fn.countAll().as('n'))),
      events: await n(db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('entity_id', '=', group.id).where('entity_type', '=', 'Group')),
    };
  }

  async function ownedGroup(options: { parent?: GroupRow; owner?: UserRow } = {}) {
    const owner = options.owner ?? (await makeUser(h));
    return { owner, group: await makeGroup(h, owner, { parent: options.parent }) };
  }

  const create = async (caller: Caller, group: GroupRow, input: Partial<Parameters<typeof createGroupAccessToken>[3]> = {}) => {
    const result = await createGroupAccessToken(h.ctx, caller, String(group.id), { name: 'ci', scopes: ['api'], ...input });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    return result.value;
  };

  it('§1.3 the bot user: group_{id}_bot_{32 hex}, @noreply.<host of the external URL>, project_bot of the group, named after the token; a direct membership at the role', async () => {
    const { owner, group } = await ownedGroup();
    const issued = await create(callerFor(owner), group, { name: 'Main token - Read registry', accessLevel: 30 });
    const bot = (await findUserById(h.ctx.database.db, issued.token.user_id))!;
    expect(bot.username).toMatch(new RegExp(`^group_${group.id}_bot_[0-9a-f]{32}$`));
    expect(bot.email).toBe(`${bot.username}@noreply.tollgate.test`);
    expect(bot).toMatchObject({ name: 'Main token - Read registry', user_type: 'project_bot', bot_namespace_id: group.id, external: 0, is_admin: 0, state: 'active', password_digest: null });
    expect(await findMember(h.ctx.database.db, 'group', group.id, bot.id)).toMatchObject({ access_level: 30, expires_at: null, created_by_id: owner.id });
  });

  it('§1.3 an external creator makes an external bot', async () => {
    const group = await makeGroup(h, h.root);
    const external = await makeUser(h, { external: true });
    await setRole(h, { group }, external, AccessLevel.OWNER);
    const issued = await create(callerFor(external), group);
    expect((await findUserById(h.ctx.database.db, issued.token.user_id))!.external).toBe(1);
  });

  it('§5 the token row of a subgroup bot carries the root group id (GitLab: set_group_id)', async () => {
    const { owner, group } = await ownedGroup();
    const sub = await makeGroup(h, owner, { parent: group });
    const subsub = await makeGroup(h, owner, { parent: sub });
    const issued = await create(callerFor(owner), subsub);
    expect((await findTokenById(h.ctx.database.db, issued.token.id))!.group_id).toBe(group.id);
    expect(issued.groupId).toBe(subsub.id);
  });

  it('create is one transaction: a failure while writing the token leaves no bot, membership, token or audit event', async () => {
    const { owner, group } = await ownedGroup();
    const before = await counts(group);
    const faulty = withPlugin(new FailInsertInto('personal_access_tokens'));
    await expect(createGroupAccessToken(faulty, callerFor(owner), String(group.id), { name: 'ci', scopes: ['api'] })).rejects.toThrow('injected fault');
    expect(await counts(group)).toEqual(before);
  });

  it('create is one transaction with its audit event: if the event cannot be written, nothing is created', async () => {
    const { owner, group } = await ownedGroup();
    const before = await counts(group);
    const faulty = withPlugin(new FailInsertInto('audit_events'));
    await expect(createGroupAccessToken(faulty, callerFor(owner), String(group.id), { name: 'ci', scopes: ['api'] })).rejects.toThrow('injected fault');
    expect(await counts(group)).toEqual(before);
  });

  it('a refused create (validation after the permission check) leaves nothing; a refusal of authority leaves only its audit event', async () => {
    const { owner, group } = await ownedGroup();
    const before = await counts(group);
    for (const input of [{ name: '' }, { scopes: [] }, { scopes: ['sudo'] }, { expiresAt: '2099-01-01' }, { description: 'x'.repeat(256) }, { accessLevel: 60 }]) {
      const result = await createGroupAccessToken(h.ctx, callerFor(owner), String(group.id), { name: 'ci', scopes: ['api'], ...input });
      expect(result.ok, JSON.stringify(input)).toBe(false);
    }
    expect(await counts(group)).toEqual(before);
    const maintainer = await makeUser(h);
    await setRole(h, { group }, maintainer, AccessLevel.MAINTAINER);
    const refused = await createGroupAccessToken(h.ctx, callerFor(maintainer), String(group.id), { name: 'ci', scopes: ['api'] });
    expect(refused).toEqual({ ok: false, error: { code: 'token_creation_not_allowed', kind: 'bad_request', message: 'User does not have permission to create group access token' } });
    const after = await counts(group);
    expect({ ...after, events: before.events }).toEqual({ ...before, members: before.members + 1 });
    expect(after.events).toBe(before.events + 1);
  });

  it('rotation is one transaction: if the successor cannot be written, the old token stays active and nothing is recorded', async () => {
    const { owner, group } = await ownedGroup();
    const issued = await create(callerFor(owner), group);
    const before = await counts(group);
    const faulty = withPlugin(new FailInsertInto('personal_access_tokens'));
    await expect(rotateGroupAccessToken(faulty, callerFor(owner), String(group.id), String(issued.token.id), undefined)).rejects.toThrow('injected fault');
    expect((await findTokenById(h.ctx.database.db, issued.token.id))!.revoked).toBe(0);
    expect(await counts(group)).toEqual(before);
    const selfCaller = await tokenCallerFor(issued.plaintext);
    await expect(selfRotateGroupAccessToken(withPlugin(new FailInsertInto('audit_events')), selfCaller, String(group.id), undefined)).rejects.toThrow('injected fault');
    expect((await findTokenById(h.ctx.database.db, issued.token.id))!.revoked).toBe(0);
    expect(await counts(group)).toEqual(before);
  });

  it('revocation is one transaction with its audit event', async () => {
    const { owner, group } = await ownedGroup();
    const issued = await create(callerFor(owner), group);
    await expect(revokeGroupAccessToken(withPlugin(new FailInsertInto('audit_events')), callerFor(owner), String(group.id), String(issued.token.id))).rejects.toThrow('injected fault');
    expect((await findTokenById(h.ctx.database.db, issued.token.id))!.revoked).toBe(0);
  });

  it('§2.4 rotation renews the bot for good: its membership expiry is cleared; the successor has the same bot, name, description, scopes, role', async () => {
    const { owner, group } = await ownedGroup();
    const issued = await create(callerFor(owner), group, { description: 'why', scopes: ['read_api', 'read_repository'], accessLevel: 20 });
    const member = (await findMember(h.ctx.database.db, 'group', group.id, issued.token.user_id))!;
    await h.ctx.database.db.updateTable('members').set({ expires_at: '2026-07-01' }).where('id', '=', member.id).execute();
    const rotated = await rotateGroupAccessToken(h.ctx, callerFor(owner), String(group.id), issued.token.id, '2026-08-01');
    expect(rotated.ok).toBe(true);
    if (!rotated.ok) return;
    expect(rotated.value.token).toMatchObject({
      user_id: issued.token.user_id,
      name: 'ci',
      description: 'why',
      scopes: JSON.stringify(['read_api', 'read_repository']),
      expires_at: '2026-08-01',
      previous_personal_access_token_id: issued.token.id,
      group_id: group.id,
    });
    expect(rotated.value.accessLevel).toBe(20);
    expect((await findMember(h.ctx.database.db, 'group', group.id, issued.token.user_id))!.expires_at).toBeNull();
  });

  it('§8.1 L6 listing costs the same number of queries whatever the number of bots and tokens (no N+1)', async () => {
    const { owner, group } = await ownedGroup();
    const caller = callerFor(owner);
    const queriesToList = async () => {
      const counter = new CountQueries();
      const result = await listGroupAccessTokens(withPlugin(counter), caller, String(group.id), {}, { page: 1, perPage: 100 });
      expect(result.ok).toBe(true);
      return { queries: counter.count, tokens: result.ok ? result.value.tokens.length : 0 };
    };
    await create(caller, group);
    const one = await queriesToList();
    for (let i = 0; i < 5; i += 1) await create(caller, group, { accessLevel: i % 2 === 0 ? 40 : 20 });
    const six = await queriesToList();
    expect(one.tokens).toBe(1);
    expect(six.tokens).toBe(6);
    expect(six.queries).toBe(one.queries);
  });

  it('T8 a token role never exceeds the granting or rotating user’s (admins count as Owner)', () => {
    const human = { id: 1, isAdmin: false, external: false, userType: 'human' as const };
    expect(canGrantTokenRole(human, AccessLevel.OWNER, AccessLevel.OWNER)).toBe(true);
    expect(canGrantTokenRole(human, AccessLevel.MAINTAINER, AccessLevel.OWNER)).toBe(false);
    expect(canGrantTokenRole(human, AccessLevel.MAINTAINER, AccessLevel.MAINTAINER)).toBe(true);
    expect(canGrantTokenRole({ ...human, isAdmin: true }, 0, AccessLevel.OWNER)).toBe(true);
  });

  it('the console acts with root’s authority and its audit events name the console', async () => {
    const { group } = await ownedGroup();
    const consoleCaller = consoleCallerAs(h.root);
    const issued = await create(consoleCaller, group);
    const event = await h.ctx.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('event_name', '=', AUDIT_EVENTS.created)
      .where('target_id', '=', issued.token.id)
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({ author_id: null, author_name: CONSOLE_ORIGIN_NAME, ip_address: null, entity_id: group.id });
    expect((await findMember(h.ctx.database.db, 'group', group.id, issued.token.user_id))!.created_by_id).toBe(h.root.id);
  });
});
