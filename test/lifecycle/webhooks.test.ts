import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runJob } from '../../src/jobs/registry.js';
import { deliverWebhooks } from '../../src/services/webhooks.js';
import '../../src/store/schema-lifecycle.js';
import type { GroupRow, ProjectRow, UserRow } from '../../src/store/schema.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { client, createHarness, type Harness } from '../support/harness.js';
import { makeGroupToken, setSettings } from '../support/lifecycle-factories.js';
import { startHttpReceiver } from './peers.js';

/**
 * GitLab's group and project webhook APIs, one module for both (issue 10): the same cases for each
 * kind; what differs is who administers the resource (GitLab's `admin_group`: Owners;
 * `admin_project`: Maintainers, §10) and the owner's field (`group_id` / `project_id`).
 */
const HOOK_KINDS = [
  { kind: 'group', admin: 'an Owner', adminLevel: AccessLevel.OWNER, below: AccessLevel.MAINTAINER, notFound: '404 Group Not Found' },
  { kind: 'project', admin: 'a Maintainer', adminLevel: AccessLevel.MAINTAINER, below: AccessLevel.DEVELOPER, notFound: '404 Project Not Found' },
] as const;

describe.each(TEST_DIALECTS)('hooks API (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(() => h.close());
  beforeEach(() => setSettings(h, { allow_local_requests_from_web_hooks_and_services: false }));

  describe.each(HOOK_KINDS)('$kind hooks, managed by $admin', ({ kind, adminLevel, below, notFound }) => {
    let owner: UserRow;
    let ownerToken: string;
    /** The group or project: its id, full path and where its role is set. */
    let resource: { id: number; fullPath: string; source: { group: GroupRow } | { project: ProjectRow } };
    const hooksUrl = (ref: number | string = resource.id, rest = '') => `/api/v4/${kind}s/${ref}/hooks${rest}`;
    beforeAll(async () => {
      owner = await makeUser(h);
      ownerToken = (await makePat(h, owner)).token;
      const group = await makeGroup(h, kind === 'group' ? owner : await makeUser(h));
      if (kind === 'group') resource = { id: group.id, fullPath: group.full_path, source: { group } };
      else {
        const project = await makeProject(h, group);
        await setRole(h, { project }, owner, adminLevel);
        resource = { id: project.id, fullPath: `${group.full_path}/${project.path}`, source: { project } };
      }
    });

    it('POST adds a hook with GitLab\'s fields and defaults; the secret token is stored but never returned', async () => {
      const res = await client(h, ownerToken).post(hooksUrl(), {
        url: 'https://hooks.example.com/tollgate',
        name: 'Expiry',
        description: 'tells the on-call',
        token: 's3cret',
        resource_access_token_events: true,
      });
      expect(res.statusCode).toBe(201);
      const hook = res.json();
      expect(hook).toMatchObject({
        url: 'https://hooks.example.com/tollgate',
        name: 'Expiry',
        description: 'tells the on-call',
        [`${kind}_id`]: resource.id,
        push_events: true,
        issues_events: false,
        resource_access_token_events: true,
        extended_grat_expiry_webhooks_execute: false,
        enable_ssl_verification: true,
        branch_filter_strategy: 'wildcard',
        alert_status: 'executable',
        disabled_until: null,
        url_variables: [],
        created_at: h.clock.now().toISOString(),
      });
      expect(hook).not.toHaveProperty('token');
      // GitLab's ProjectHook has no events of a group's own life.
      expect(['subgroup_events', 'member_events', 'project_events'].map((flag) => flag in hook)).toEqual(Array(3).fill(kind === 'group'));
      expect(JSON.stringify(hook)).not.toContain('s3cret');
      const stored = await h.ctx.database.db.selectFrom('web_hooks').selectAll().where('id', '=', hook.id).executeTakeFirstOrThrow();
      expect(stored.token_ciphertext).not.toContain('s3cret');

      const list = await client(h, ownerToken).get(hooksUrl());
      expect(list.statusCode).toBe(200);
      expect(list.headers['x-total']).toBe('1');
      expect(list.json()).toEqual([hook]);
      expect((await client(h, ownerToken).get(hooksUrl(encodeURIComponent(resource.fullPath), `/${hook.id}`))).json()).toEqual(hook);
    });

    it('PUT changes the given fields; a new URL without a token drops the old token (GitLab); DELETE answers 204', async () => {
      const created = (await client(h, ownerToken).post(hooksUrl(), { url: 'https://a.example.com/', token: 'one' })).json();
      const renamed = await client(h, ownerToken).put(hooksUrl(resource.id, `/${created.id}`), { name: 'renamed', push_events: false, job_events: true });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ name: 'renamed', push_events: false, job_events: true, url: 'https://a.example.com/' });
      const tokenOf = async () => (await h.ctx.database.db.selectFrom('web_hooks').select('token_ciphertext').where('id', '=', created.id).executeTakeFirstOrThrow()).token_ciphertext;
      expect(await tokenOf()).not.toBeNull();
      await client(h, ownerToken).put(hooksUrl(resource.id, `/${created.id}`), { url: 'https://b.example.com/' });
      expect(await tokenOf()).toBeNull();

      const empty = await client(h, ownerToken).put(hooksUrl(resource.id, `/${created.id}`), {});
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error).toMatch(/at least one parameter must be provided/);

      expect((await client(h, ownerToken).delete(hooksUrl(resource.id, `/${created.id}`))).statusCode).toBe(204);
      expect((await client(h, ownerToken).get(hooksUrl(resource.id, `/${created.id}`))).json()).toEqual({ message: '404 Not Found' });
      expect((await client(h, ownerToken).delete(hooksUrl(resource.id, `/${created.id}`))).statusCode).toBe(404);
    });

    it('bad input: 400 without url, 422 for a non-http URL or a token spanning lines; nothing stored', async () => {
      const count = async () => (await h.ctx.database.db.selectFrom('web_hooks').select('id').execute()).length;
      const before = await count();
      const missing = await client(h, ownerToken).post(hooksUrl(), { push_events: true });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({ error: 'url is missing' });
      const ftp = await client(h, ownerToken).post(hooksUrl(), { url: 'ftp://example.com' });
      expect(ftp.statusCode).toBe(422);
      expect(ftp.json()).toEqual({ message: { url: ['is blocked: Only allowed schemes are http, https'] } });
      const token = await client(h, ownerToken).post(hooksUrl(), { url: 'https://example.com', token: 'foo\nbar' });
      expect(token.statusCode).toBe(422);
      expect(token.json()).toEqual({ message: { token: ['is invalid'] } });
      expect(await count()).toBe(before);
    });

    it('SSRF: URLs to loopback or private addresses are refused unless an admin allows local requests', async () => {
      const refused: [string, string][] = [
        ['http://127.0.0.1:8080/hook', 'Requests to localhost are not allowed'],
        ['http://localhost/hook', 'Requests to localhost are not allowed'],
        ['http://[::1]/hook', 'Requests to localhost are not allowed'],
        ['http://2130706433/hook', 'Requests to localhost are not allowed'],
        ['http://10.1.2.3/hook', 'Requests to the local network are not allowed'],
        ['http://192.168.0.10/hook', 'Requests to the local network are not allowed'],
        ['http://169.254.169.254/latest/meta-data', 'Requests to the link local network are not allowed'],
      ];
      for (const [url, reason] of refused) {
        const res = await client(h, ownerToken).post(hooksUrl(), { url });
        expect(res.statusCode, url).toBe(422);
        expect(res.json()).toEqual({ message: { url: [`is blocked: ${reason}`] } });
      }
      await setSettings(h, { allow_local_requests_from_web_hooks_and_services: true });
      expect((await client(h, ownerToken).post(hooksUrl(), { url: 'http://127.0.0.1:8080/hook' })).statusCode).toBe(201);
    });

    it('the hooks and the mail queue are in the OpenAPI document', async () => {
      const paths = Object.keys((await client(h).get('/api/v4/openapi.json')).json().paths);
      expect(paths).toEqual(expect.arrayContaining([`/api/v4/${kind}s/{id}/hooks`, `/api/v4/${kind}s/{id}/hooks/{hook_id}`, '/api/v4/admin/mail_queue']));
    });

    it(`only ${kind === 'group' ? 'Owners' : 'Maintainers, Owners'} and administrators manage hooks: 403 for the role below, 404 for a stranger to a private ${kind}, 401 anonymous`, async () => {
      const lower = await makeUser(h);
      await setRole(h, resource.source, lower, below);
      const lowerToken = (await makePat(h, lower)).token;
      expect((await client(h, lowerToken).get(hooksUrl())).statusCode).toBe(403);
      expect((await client(h, lowerToken).post(hooksUrl(), { url: 'https://x.example.com' })).statusCode).toBe(403);
      const stranger = (await makePat(h, await makeUser(h))).token;
      expect((await client(h, stranger).get(hooksUrl())).json()).toEqual({ message: notFound });
      expect((await client(h).get(hooksUrl())).statusCode).toBe(401);
      const admin = (await makePat(h, h.root)).token;
      expect((await client(h, admin).get(hooksUrl())).statusCode).toBe(200);
      const readOnly = (await makePat(h, owner, { scopes: ['read_api'] })).token;
      expect((await client(h, readOnly).get(hooksUrl())).statusCode).toBe(200);
      expect((await client(h, readOnly).post(hooksUrl(), { url: 'https://x.example.com' })).statusCode).toBe(403);
    });
  });
});

describe.each(TEST_DIALECTS)('resource_access_token webhooks (%s)', (dialect) => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  let owner: UserRow;
  let ownerToken: string;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T01:00:00.000Z' });
    receiver = await startHttpReceiver();
    owner = await makeUser(h);
    ownerToken = (await makePat(h, owner, { expiresAt: '2027-06-01' })).token;
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });
  beforeEach(async () => {
    // The receiver is on 127.0.0.1: allowed here; the refusal has its own tests.
    await setSettings(h, { allow_local_requests_from_web_hooks_and_services: true });
    receiver.requests.length = 0;
    receiver.answer = () => ({ status: 200 });
    // Each test looks at its own deliveries only (an earlier one may have left retries queued).
    await h.ctx.database.db.deleteFrom('webhook_deliveries').execute();
    // Each test a few weeks on: earlier tests' tokens are past every notice window by then.
    h.clock.set(new Date(h.clock.now().getTime() + 20 * 86_400_000));
  });

  /** A hook that takes access token events, on a group or on a project (`owner` owns the groups, so administers both). */
  async function hookOn(resource: GroupRow | ProjectRow, fields: Record<string, unknown> = {}, path = '/hook') {
    const kind = 'group_id' in resource ? 'projects' : 'groups';
    const res = await client(h, ownerToken).post(`/api/v4/${kind}/${resource.id}/hooks`, { url: `${receiver.url}${path}`, resource_access_token_events: true, ...fields });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  const inDays = (days: number) => new Date(h.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
  /** GitLab's token attributes and event fields of a 7-day `expiring_access_token` payload. */
  const sevenDayEventOf = (token: { id: number; created_at: string }, bot: UserRow, name: string, expiresAt: string) => ({
    object_attributes: {
      user_id: bot.id,
      created_at: `${token.created_at.slice(0, 10)} ${token.created_at.slice(11, 19)} UTC`,
      id: token.id,
      name,
      expires_at: expiresAt,
      last_used_at: null,
    },
    event_name: 'expiring_access_token',
    interval: 'seven_days',
  });
  const deliveries = () => h.ctx.database.db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute();

  it('§7 the 7-day notice posts GitLab\'s access_token payload with X-Gitlab-Token, and parent group hooks fire for subgroup tokens', async () => {
    const parent = await makeGroup(h, owner);
    const child = await makeGroup(h, owner, { parent });
    await hookOn(parent, { token: 'parent-secret' }, '/parent');
    await hookOn(child, { token: 'child-secret' }, '/child');
    await client(h, ownerToken).post(`/api/v4/groups/${child.id}/hooks`, { url: `${receiver.url}/other-events`, push_events: true });
    const { token, bot } = await makeGroupToken(h, child, { expiresAt: inDays(5), name: 'deploy' });

    await runJob('expiring-tokens', h.ctx);
    expect(await runJob('webhook-delivery', h.ctx)).toMatchObject({ report: { sent: 2, retrying: 0, failed: 0 } });
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/child', '/parent']);
    const toChild = receiver.requests.find((r) => r.path === '/child')!;
    expect(toChild.method).toBe('POST');
    expect(toChild.headers['content-type']).toBe('application/json');
    expect(toChild.headers['x-gitlab-event']).toBe('Resource Access Token Hook');
    expect(toChild.headers['x-gitlab-token']).toBe('child-secret');
    expect(receiver.requests.find((r) => r.path === '/parent')!.headers['x-gitlab-token']).toBe('parent-secret');
    expect(toChild.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(toChild.body)).toEqual({
      object_kind: 'access_token',
      group: { group_name: child.name, group_path: child.path, group_id: child.id, full_path: child.full_path },
      ...sevenDayEventOf(token, bot, 'deploy', inDays(5)),
    });
    // Delivered means delivered: nothing more on later runs.
    await runJob('expiring-tokens', h.ctx);
    await runJob('webhook-delivery', h.ctx);
    expect(receiver.requests).toHaveLength(2);
  });

  it('§10 "Expiry notices" a project token fires its project\'s hooks with GitLab\'s project payload (ResourceAccessTokenPayload), and its groups\' hooks; not a sibling project\'s', async () => {
    const group = await makeGroup(h, owner);
    const project = await makeProject(h, group);
    const sibling = await makeProject(h, group);
    await hookOn(project, { token: 'project-secret' }, '/project');
    await hookOn(group, {}, '/group');
    await hookOn(sibling, {}, '/sibling');
    const { token, bot } = await makeGroupToken(h, project, { expiresAt: inDays(5), name: 'deploy' });

    await runJob('expiring-tokens', h.ctx);
    expect(await runJob('webhook-delivery', h.ctx)).toMatchObject({ report: { sent: 2, retrying: 0, failed: 0 } });
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/group', '/project']);
    const toProject = receiver.requests.find((r) => r.path === '/project')!;
    expect(toProject.headers['x-gitlab-event']).toBe('Resource Access Token Hook');
    expect(toProject.headers['x-gitlab-token']).toBe('project-secret');
    const webUrl = `${h.ctx.config.externalUrl}/${group.full_path}/${project.path}`;
    const payload = {
      object_kind: 'access_token',
      project: {
        id: project.id,
        name: project.name,
        description: project.description,
        web_url: webUrl,
        avatar_url: null,
        git_ssh_url: null,
        git_http_url: `${webUrl}.git`,
        namespace: group.name,
        visibility_level: 0,
        path_with_namespace: `${group.full_path}/${project.path}`,
        default_branch: 'main',
        ci_config_path: null,
        homepage: webUrl,
        url: `${webUrl}.git`,
        ssh_url: null,
        http_url: `${webUrl}.git`,
      },
      ...sevenDayEventOf(token, bot, 'deploy', inDays(5)),
    };
    expect(JSON.parse(toProject.body)).toEqual(payload);
    expect(JSON.parse(receiver.requests.find((r) => r.path === '/group')!.body)).toEqual(payload);
  });

  it('§10 a group token fires its group\'s hooks only, never the hooks of the group\'s projects', async () => {
    const group = await makeGroup(h, owner);
    await hookOn(await makeProject(h, group), {}, '/project');
    await hookOn(group, {}, '/group');
    await makeGroupToken(h, group, { expiresAt: inDays(6) });
    await runJob('expiring-tokens', h.ctx);
    await runJob('webhook-delivery', h.ctx);
    expect(receiver.requests.map((r) => [r.path, Object.keys(JSON.parse(r.body))[1]])).toEqual([['/group', 'group']]);
  });

  it('at 60 and 30 days only hooks that opted in (GitLab\'s extended expiry webhooks) fire; the expired event fires the day after', async () => {
    const group = await makeGroup(h, owner);
    await hookOn(group, {}, '/plain');
    await hookOn(group, { extended_grat_expiry_webhooks_execute: true }, '/extended');
    await makeGroupToken(h, group, { expiresAt: inDays(45) });
    await runJob('expiring-tokens', h.ctx);
    await runJob('webhook-delivery', h.ctx);
    expect(receiver.requests.map((r) => [r.path, JSON.parse(r.body).interval])).toEqual([['/extended', 'sixty_days']]);

    h.clock.set(new Date(h.clock.now().getTime() + 46 * 86_400_000));
    receiver.requests.length = 0;
    await runJob('expiring-tokens', h.ctx);
    await runJob('webhook-delivery', h.ctx);
    expect(receiver.requests.map((r) => [r.path, JSON.parse(r.body).event_name]).sort()).toEqual([
      ['/extended', 'expired_access_token'],
      ['/plain', 'expired_access_token'],
    ]);
  });

  it('an endpoint answering 500 is retried with back-off and gets the event once it answers 200, with the same Idempotency-Key', async () => {
    const group = await makeGroup(h, owner);
    await hookOn(group);
    await makeGroupToken(h, group, { expiresAt: inDays(3) });
    await runJob('expiring-tokens', h.ctx);
    receiver.answer = () => ({ status: 500 });
    expect(await runJob('webhook-delivery', h.ctx)).toMatchObject({ report: { retrying: 1 } });
    expect(await runJob('webhook-delivery', h.ctx)).toMatchObject({ report: { retrying: 0, sent: 0 } }); // backing off
    h.clock.advance(60_000);
    receiver.answer = () => ({ status: 200 });
    expect(await runJob('webhook-delivery', h.ctx)).toMatchObject({ report: { sent: 1 } });
    await runJob('webhook-delivery', h.ctx);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]!.headers['idempotency-key']).toBe(receiver.requests[1]!.headers['idempotency-key']);
    const [delivery] = (await deliveries()).slice(-1);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2, last_response_status: 200, last_error: 'HTTP 500' });
  });

  it('an endpoint that hangs times out and is retried; a redirect is not followed and is retried; both are reported', async () => {
    const group = await makeGroup(h, owner);
    await hookOn(group, {}, '/hang');
    await hookOn(group, {}, '/redirect');
    await makeGroupToken(h, group, { expiresAt: inDays(2) });
    await runJob('expiring-tokens', h.ctx);
    receiver.answer = (request) => (request.path === '/hang' ? 'hang' : { status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    expect(await deliverWebhooks(h.ctx, { timeoutMs: 300 })).toEqual({ sent: 0, retrying: 2, failed: 0 });
    const rows = (await deliveries()).slice(-2);
    expect(rows.map((r) => r.last_error).sort()).toEqual(['ETIMEDOUT: no answer within 300 ms', `HTTP 302 (redirect to ${receiver.url}/elsewhere not followed)`].sort());
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/hang', '/redirect']);
  });

  it('a hook URL that became refused (local requests no longer allowed) fails at once and is never requested', async () => {
    const group = await makeGroup(h, owner);
    await hookOn(group);
    await makeGroupToken(h, group, { expiresAt: inDays(1) });
    await runJob('expiring-tokens', h.ctx);
    await setSettings(h, { allow_local_requests_from_web_hooks_and_services: false });
    expect(await runJob('webhook-delivery', h.ctx)).toMatchObject({ report: { failed: 1 } });
    expect(receiver.requests).toHaveLength(0);
    const [row] = (await deliveries()).slice(-1);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: 'EBLOCKED: URL is blocked: Requests to localhost are not allowed' });
  });

  it('deleting a hook drops its queued deliveries', async () => {
    const group = await makeGroup(h, owner);
    const hook = await hookOn(group);
    await makeGroupToken(h, group, { expiresAt: inDays(4) });
    await runJob('expiring-tokens', h.ctx);
    expect((await deliveries()).filter((d) => d.hook_id === hook.id)).toHaveLength(1);
    await client(h, ownerToken).delete(`/api/v4/groups/${group.id}/hooks/${hook.id}`);
    expect((await deliveries()).filter((d) => d.hook_id === hook.id)).toHaveLength(0);
    await runJob('webhook-delivery', h.ctx);
    expect(receiver.requests).toHaveLength(0);
  });
});
