import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makeGroup, makePat, makeProject, makeUser } from '../../../test/support/factories.js';
import { makeGroupToken, makeProjectToken } from '../../../test/support/git-factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import { insertAuditEvent } from '../../store/repositories/audit-events.js';
import type { UserRow } from '../../store/schema.js';

const NOW = '2026-06-15T12:00:00.000Z';

interface Event {
  id: number;
  author_id: number | null;
  entity_id: number;
  entity_type: string;
  event_name: string;
  details: Record<string, unknown>;
  created_at: string;
}

/** GitLab's instance audit log (ee/lib/api/audit_events.rb): GET /audit_events and GET /audit_events/:id. */
describe.each(TEST_DIALECTS)('instance audit events (%s)', (dialect) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let alice: UserRow;
  let aliceToken: string;

  beforeAll(async () => {
    h = await createHarness(dialect, { now: NOW });
    admin = client(h, (await makePat(h, h.root)).token);
    alice = await makeUser(h);
    aliceToken = (await makePat(h, alice)).token;
  });
  afterAll(() => h.close());

  const list = async (query = '') => {
    const res = await admin.get(`/api/v4/audit_events?per_page=100${query}`);
    expect(res.statusCode).toBe(200);
    return res.json() as Event[];
  };
  const namesOf = (events: Event[]) => events.map((e) => e.event_name);

  describe('personal access tokens are audited in their user\'s log (GitLab EE PersonalAccessTokens services)', () => {
    it('creation, rotation and revocation through the API: personal_access_token_created, _rotated, _revoked, by who asked', async () => {
      const bob = await makeUser(h);
      const created = await admin.post(`/api/v4/users/${bob.id}/personal_access_tokens`, { name: 'ci', scopes: ['api'] });
      expect(created.statusCode).toBe(201);
      const tokenId = created.json().id as number;
      const rotated = await client(h, created.json().token).post('/api/v4/personal_access_tokens/self/rotate');
      expect(rotated.statusCode).toBe(200);
      const successor = rotated.json();
      expect((await client(h, successor.token).delete('/api/v4/personal_access_tokens/self')).statusCode).toBe(204);

      const events = await list(`&entity_type=User&entity_id=${bob.id}`);
      expect(namesOf(events)).toEqual(['personal_access_token_revoked', 'personal_access_token_rotated', 'personal_access_token_created']);
      const [revoked, rotation, creation] = events as [Event, Event, Event];
      expect(creation).toMatchObject({ author_id: h.root.id, entity_type: 'User', entity_id: bob.id });
      expect(creation.details).toMatchObject({
        custom_message: `Created personal access token with id ${tokenId}`,
        author_name: 'root',
        target_id: tokenId,
        target_type: 'PersonalAccessToken',
        target_details: 'ci',
        entity_path: bob.username,
      });
      expect(rotation).toMatchObject({ author_id: bob.id, details: expect.objectContaining({ target_id: tokenId, new_token_id: successor.id }) });
      expect(revoked).toMatchObject({ author_id: bob.id, details: expect.objectContaining({ target_id: successor.id, revocation_source: 'self' }) });
      expect(JSON.stringify(events)).not.toContain(successor.token);
    });

    it('a token created for oneself is authored by oneself; one made from the console by the console', async () => {
      const res = await client(h, aliceToken).post('/api/v4/user/personal_access_tokens', { name: 'k8s', scopes: ['k8s_proxy'] });
      expect(res.statusCode).toBe(201);
      const carol = await makeUser(h);
      // The factory creates tokens as `tollgate pat create` does: no caller.
      const consoleMade = await makePat(h, carol);
      expect((await list(`&entity_type=User&entity_id=${alice.id}`))[0]).toMatchObject({ event_name: 'personal_access_token_created', author_id: alice.id });
      expect((await list(`&entity_type=User&entity_id=${carol.id}`))[0]).toMatchObject({
        event_name: 'personal_access_token_created',
        author_id: null,
        details: expect.objectContaining({ author_name: 'Tollgate console', target_id: consoleMade.id }),
      });
    });
  });

  describe('GET /audit_events', () => {
    it("every event of the instance: groups', projects' and users', any event name, newest first", async () => {
      const group = await makeGroup(h, h.root);
      const project = await makeProject(h, group);
      await makeGroupToken(h, group);
      await makeProjectToken(h, project);
      const dave = await makeUser(h);
      await makePat(h, dave);
      // Events other parts of Tollgate write (the IP allowlist's refusals, leak reports) are listed alike.
      await insertAuditEvent(h.ctx.database.db, {
        author_id: null,
        author_name: 'Tollgate',
        entity_type: 'User',
        entity_id: dave.id,
        entity_path: dave.username,
        event_name: 'token_ip_refused',
        target_type: 'PersonalAccessToken',
        target_id: null,
        target_details: null,
        ip_address: '203.0.113.9',
        details: {},
        created_at: NOW,
      });

      const events = await list();
      const ids = events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ entity_type: 'Group', entity_id: group.id, event_name: 'group_access_token_created' }),
          expect.objectContaining({ entity_type: 'Project', entity_id: project.id, event_name: 'project_access_token_created' }),
          expect.objectContaining({ entity_type: 'User', entity_id: dave.id, event_name: 'personal_access_token_created' }),
          expect.objectContaining({ entity_type: 'User', entity_id: dave.id, event_name: 'token_ip_refused' }),
        ]),
      );
      expect(namesOf(await list(`&entity_type=Group&entity_id=${group.id}`))).toEqual(['group_access_token_created']);
      expect(namesOf(await list(`&entity_type=Project&entity_id=${project.id}`))).toEqual(['project_access_token_created']);
      expect(new Set((await list('&entity_type=Group')).map((e) => e.entity_type))).toEqual(new Set(['Group']));
      // GitLab filters by id only when it is nonzero (AuditEventFinder#valid_entity_id?).
      expect((await list('&entity_type=Project&entity_id=0')).length).toBeGreaterThanOrEqual(1);
      expect(await list('&entity_type=User&entity_id=2147483647')).toEqual([]);
    });

    it("GitLab's AuditEvent entity, the same as the group's log shows", async () => {
      const group = await makeGroup(h, h.root);
      await makeGroupToken(h, group, { name: 'shape' });
      const [instance] = await list(`&entity_type=Group&entity_id=${group.id}`);
      const groupLog = (await admin.get(`/api/v4/groups/${group.id}/audit_events`)).json() as Event[];
      expect(instance).toEqual(groupLog[0]);
      expect(Object.keys(instance!)).toEqual(['id', 'author_id', 'entity_id', 'entity_type', 'event_name', 'details', 'created_at']);
    });

    it('created_after / created_before and pagination, as the group log', async () => {
      const erin = await makeUser(h);
      h.clock.set(new Date('2026-06-16T00:00:00.000Z'));
      await makePat(h, erin, { name: 'later' });
      h.clock.set(new Date(NOW));
      await makePat(h, erin, { name: 'now' });
      const of = `&entity_type=User&entity_id=${erin.id}`;
      expect((await list(`${of}&created_after=2026-06-15T18:00:00Z`)).map((e) => e.details.target_details)).toEqual(['later']);
      expect((await list(`${of}&created_before=2026-06-15T18:00:00Z`)).map((e) => e.details.target_details)).toEqual(['now']);
      const page = await admin.get(`/api/v4/audit_events?per_page=1&page=2${of}`);
      expect(page.headers['x-total']).toBe('2');
      expect(page.headers['x-page']).toBe('2');
      expect((page.json() as Event[]).map((e) => e.details.target_details)).toEqual(['later']);
    });

    it('Grape: entity_id needs entity_type; entity_type is one of GitLab\'s; bad times are invalid', async () => {
      const cases: [string, string][] = [
        ['entity_id=1', 'entity_type is missing'],
        ['entity_type=Namespace', 'entity_type does not have a valid value'],
        ['created_after=yesterday', 'created_after is invalid'],
      ];
      for (const [query, error] of cases) {
        const res = await admin.get(`/api/v4/audit_events?${query}`);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ error });
      }
    });
  });

  describe('GET /audit_events/:id', () => {
    it('one event, as listed; an unknown id is GitLab\'s RecordNotFound 404', async () => {
      const [newest] = await list();
      const one = await admin.get(`/api/v4/audit_events/${newest!.id}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toEqual(newest);
      for (const id of ['999999', '2147483647']) {
        const missing = await admin.get(`/api/v4/audit_events/${id}`);
        expect(missing.statusCode).toBe(404);
        expect(missing.json()).toEqual({ message: '404 Not found' });
      }
      expect((await admin.get('/api/v4/audit_events/abc')).statusCode).toBe(400);
    });
  });

  it('GitLab (authenticated_as_admin!): anonymous 401, anyone else 403, on both routes', async () => {
    const [event] = await list();
    for (const url of ['/api/v4/audit_events', `/api/v4/audit_events/${event!.id}`]) {
      expect((await client(h).get(url)).statusCode).toBe(401);
      const forbidden = await client(h, aliceToken).get(url);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json()).toEqual({ message: '403 Forbidden' });
    }
  });
});
