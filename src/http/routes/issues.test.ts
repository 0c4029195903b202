import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeBot, makeGroup, makePat, makeProject, setRole, signedIn, snapshot } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import type { ProjectRow } from '../../store/schema.js';

type Caller = Awaited<ReturnType<typeof signedIn>>;

describe.each(TEST_DIALECTS)('issue routes (%s)', (dialect) => {
  let h: Harness;
  let member: Caller, outsider: Caller;
  let project: ProjectRow, publicProject: ProjectRow;
  beforeAll(async () => {
    h = await createHarness(dialect);
    [member, outsider] = await Promise.all([signedIn(h), signedIn(h)]);
    const group = await makeGroup(h, h.root, { path: 'issues-group' });
    await setRole(h, { group }, member.user, AccessLevel.GUEST);
    project = await makeProject(h, group, { path: 'tracker' });
    const community = await makeGroup(h, h.root, { path: 'issues-public', visibility: 'public' });
    publicProject = await makeProject(h, community, { path: 'open-tracker', visibility: 'public' });
  });
  afterAll(() => h.close());

  it('T14 POST opens an issue authored by the caller (201), numbered per project', async () => {
    const first = await member.api.post(`/api/v4/projects/${project.id}/issues`, { title: 'First', description: 'details' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      iid: 1,
      project_id: project.id,
      title: 'First',
      description: 'details',
      state: 'opened',
      type: 'ISSUE',
      author: { id: member.user.id, username: member.user.username },
      web_url: 'http://tollgate.test/issues-group/tracker/-/issues/1',
    });
    const second = await member.api.post('/api/v4/projects/issues-group%2Ftracker/issues', { title: 'Second' });
    expect(second.json()).toMatchObject({ iid: 2, description: null });
    expect((await member.api.post(`/api/v4/projects/${publicProject.id}/issues`, { title: 'Elsewhere' })).json().iid).toBe(1);
  });

  it("T14 the author of a group access token's issue is its bot", async () => {
    const group = await makeGroup(h, h.root, { path: 'bot-home' });
    const botProject = await makeProject(h, group);
    const bot = await makeBot(h, group, AccessLevel.DEVELOPER);
    const { token } = await makePat(h, bot);
    const res = await client(h, token).post(`/api/v4/projects/${botProject.id}/issues`, { title: 'From CI' });
    expect(res.json().author).toMatchObject({ id: bot.id, username: bot.username });
  });

  it('concurrent openings in one project are numbered one after another, never a clash (500)', async () => {
    const group = await makeGroup(h, h.root, { path: 'busy' });
    const busy = await makeProject(h, group);
    const admin = client(h, (await makePat(h, h.root)).token);
    h.clock.set(new Date('2026-06-15T13:00:00.000Z'));
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => admin.post(`/api/v4/projects/${busy.id}/issues`, { title: `parallel ${i}` })));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    expect(responses.map((r) => r.json().iid).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Opening an issue is activity on the project.
    expect((await admin.get(`/api/v4/projects/${busy.id}`)).json().last_activity_at).toBe('2026-06-15T13:00:00.000Z');
    h.clock.set(new Date('2026-06-15T12:00:00.000Z'));
  });

  it('GET lists the issues (newest first) and GET :iid shows one', async () => {
    const list = await member.api.get(`/api/v4/projects/${project.id}/issues`);
    expect(list.statusCode).toBe(200);
    expect(list.json().map((i: { iid: number }) => i.iid)).toEqual([2, 1]);
    const one = await member.api.get(`/api/v4/projects/${project.id}/issues/1`);
    expect(one.json()).toMatchObject({ iid: 1, title: 'First', author: { id: member.user.id } });
  });

  it('any signed-in user may open an issue in a public project; anonymous callers read it but cannot write (401)', async () => {
    expect((await outsider.api.post(`/api/v4/projects/${publicProject.id}/issues`, { title: 'Bug report' })).statusCode).toBe(201);
    expect((await client(h).get(`/api/v4/projects/${publicProject.id}/issues/1`)).statusCode).toBe(200);
    const before = await snapshot(h);
    expect((await client(h).post(`/api/v4/projects/${publicProject.id}/issues`, { title: 'Anonymous' })).statusCode).toBe(401);
    expect(await snapshot(h)).toEqual(before);
  });

  it('a private project is 404 to non-members, for reading and writing, and nothing is written', async () => {
    const before = await snapshot(h);
    for (const res of [
      await outsider.api.get(`/api/v4/projects/${project.id}/issues`),
      await outsider.api.get(`/api/v4/projects/${project.id}/issues/1`),
      await outsider.api.post(`/api/v4/projects/${project.id}/issues`, { title: 'x' }),
      await client(h).get(`/api/v4/projects/${project.id}/issues`),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ message: '404 Project Not Found' });
    }
    expect(await snapshot(h)).toEqual(before);
  });

  it('bad input is a 4xx in GitLab\'s shape and writes nothing', async () => {
    const url = `/api/v4/projects/${project.id}/issues`;
    const cases: [unknown, Record<string, string> | undefined, unknown][] = [
      ['', { 'content-type': 'application/json' }, { error: 'title is missing' }],
      ['{"title"', { 'content-type': 'application/json' }, { message: '400 The request body is not valid JSON' }],
      [{ description: 'no title' }, undefined, { error: 'title is missing' }],
      [{ title: ['a', 'b'] }, undefined, { error: 'title is invalid' }],
      [{ title: 'x'.repeat(1025) }, undefined, { error: 'title is invalid' }],
      [{ title: 'nul \u0000' }, undefined, { error: 'title is invalid' }],
      [{ title: '  ' }, undefined, { message: "400 Bad request - Title can't be blank" }],
      [{ title: 'x'.repeat(256) }, undefined, { message: '400 Bad request - Title is too long (maximum is 255 characters)' }],
    ];
    const before = await snapshot(h);
    for (const [body, headers, expected] of cases) {
      const res = await member.api.post(url, body, headers);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual(expected);
    }
    expect((await member.api.post('/api/v4/projects/99999999999/issues', { title: 'x' })).json()).toEqual({ message: '404 Project Not Found' });
    expect(await snapshot(h)).toEqual(before);
  });

  it('unknown, out-of-range and malformed iids', async () => {
    for (const iid of ['999', '2147483647']) {
      const res = await member.api.get(`/api/v4/projects/${project.id}/issues/${iid}`);
      expect(res.statusCode, iid).toBe(404);
      expect(res.json()).toEqual({ message: '404 Issue Not Found' });
    }
    expect((await member.api.get(`/api/v4/projects/${project.id}/issues/first`)).json()).toEqual({ error: 'iid is invalid' });
  });
});
