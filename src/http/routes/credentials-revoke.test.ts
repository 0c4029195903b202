import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../../../test/support/factories.js';
import { createHarness, openSecondInstance, type Harness, type Response } from '../../../test/support/harness.js';
import { makeGroupToken, setSettings } from '../../../test/support/lifecycle-factories.js';
import { startSmtpPeer } from '../../../test/lifecycle/peers.js';
import { generateToken } from '../../domain/token-format.js';
import { runJob } from '../../jobs/registry.js';
import { revokeReportedTokens } from '../../services/leak-revocation.js';
import { revokeTokenIfActive } from '../../store/repositories/tokens.js';
import '../../store/schema-leak-reports.js';
import '../../store/schema-lifecycle.js';

const URL = '/api/v4/credentials/revoke';
const unknownToken = () => generateToken('glpat-', { organizationId: 1, userId: 999_999 });

describe.each(TEST_DIALECTS)('POST /credentials/revoke (%s)', (dialect) => {
  let h: Harness;
  let ip = 0;
  /** Each test calls from an IP of its own, so that the hourly limit of one does not reach another. */
  let from: string;
  const report = (payload: unknown, headers: Record<string, string> = {}, remoteAddress = from) =>
    h.app.inject({ method: 'POST', url: URL, remoteAddress, headers, ...(payload === undefined ? {} : { payload: payload as string }) }) as Promise<Response>;
  const queued = () => h.ctx.database.db.selectFrom('leak_reports').selectAll().orderBy('id').execute();
  const leakEvents = () => h.ctx.database.db.selectFrom('audit_events').selectAll().where('event_name', '=', 'token_revoked_leak_report').orderBy('id').execute();
  const outbox = () => h.ctx.database.db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();

  beforeAll(async () => {
    h = await createHarness(dialect);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    ip += 1;
    from = `198.51.100.${ip}`;
    await h.ctx.database.db.deleteFrom('leak_reports').execute();
  });

  it('GitHub\'s POST /credentials/revoke: no authentication, always 202 {"message":"202 Accepted"}; only digests of well-formed values are queued, no value is stored', async () => {
    const user = await makeUser(h);
    const active = await makePat(h, user);
    const revoked = await makePat(h, user);
    await revokeTokenIfActive(h.ctx.database.db, revoked.id, h.clock.now().toISOString());
    const values = [active.token, revoked.token, unknownToken(), 'not a token', active.token];
    // Credentials sent with the call are ignored, even an unknown one (no 401).
    const res = await report({ credentials: values }, { 'private-token': 'glpat-bogus' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ message: '202 Accepted' });
    const rows = await queued();
    expect(rows).toHaveLength(3);
    const stored = JSON.stringify(rows);
    for (const value of values) expect(stored).not.toContain(value);
    expect(rows.every((row) => row.reporter_ip === from)).toBe(true);
  });

  it('form bodies as the other routes take them (credentials[]=… or one credentials=…)', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const many = await report(`credentials[]=${encodeURIComponent(unknownToken())}&credentials[]=${encodeURIComponent(unknownToken())}`, form);
    expect([many.statusCode, many.json()]).toEqual([202, { message: '202 Accepted' }]);
    const one = await report(`credentials=${encodeURIComponent(unknownToken())}`, form);
    expect(one.statusCode).toBe(202);
    expect(await queued()).toHaveLength(3);
  });

  it('a malformed body or more than 1,000 values is a 400 in Grape\'s words and queues nothing', async () => {
    const json = { 'content-type': 'application/json' };
    const cases: [unknown, object][] = [
      [undefined, { error: 'credentials is missing' }],
      ['{}', { error: 'credentials is missing' }],
      ['[]', { error: 'credentials is missing' }],
      ['"glpat-x"', { error: 'credentials is missing' }],
      [{ credentials: [] }, { error: 'credentials is invalid' }],
      [{ credentials: [1, 2] }, { error: 'credentials is invalid' }],
      [{ credentials: ['glpat-x', null] }, { error: 'credentials is invalid' }],
      [{ credentials: { a: 'glpat-x' } }, { error: 'credentials is invalid' }],
      [{ credentials: 7 }, { error: 'credentials is invalid' }],
      [{ credentials: Array.from({ length: 1001 }, unknownToken) }, { error: 'credentials is invalid' }],
    ];
    for (const [body, expected] of cases) {
      const res = await report(typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body), json);
      expect([res.statusCode, res.json()], JSON.stringify(body)?.slice(0, 80)).toEqual([400, expected]);
    }
    expect(await queued()).toEqual([]);
    const thousand = await report({ credentials: Array.from({ length: 1000 }, unknownToken) });
    expect(thousand.statusCode).toBe(202);
  });

  it('no token is looked up before answering: neither the authentication lookup nor any read of the tokens table', async () => {
    const user = await makeUser(h);
    const active = await makePat(h, user);
    const byToken = vi.spyOn(h.ctx.tokenLookup, 'byToken');
    const statsBefore = { ...h.ctx.tokenLookup.stats };
    const statements: string[] = [];
    const recorder: KyselyPlugin = {
      transformQuery: ({ node }) => {
        statements.push(JSON.stringify(node));
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const database = h.ctx.database;
    h.ctx.database = { ...database, db: database.db.withPlugin(recorder) };
    try {
      for (const value of [active.token, unknownToken()]) expect((await report({ credentials: [value] })).statusCode).toBe(202);
    } finally {
      h.ctx.database = database;
      byToken.mockRestore();
    }
    expect(byToken).not.toHaveBeenCalled();
    expect(h.ctx.tokenLookup.stats).toEqual(statsBefore);
    // The recorder saw the call's statements (the limit's count, the queue's insert)…
    expect(statements.some((s) => s.includes('"leak_reports"'))).toBe(true);
    // …and none of them touched a token or a user.
    expect(statements.filter((s) => s.includes('"personal_access_tokens"') || s.includes('"users"'))).toEqual([]);
  });

  it('GitHub\'s limit: the 61st call from an IP within an hour is 429 with Retry-After until the oldest call leaves the hour; invalid calls count, other IPs do not', async () => {
    const start = h.clock.now();
    try {
      expect((await report({ credentials: [unknownToken()] })).statusCode).toBe(202);
      h.clock.advance(20 * 60_000);
      for (let call = 2; call <= 60; call += 1) {
        // Every call counts, valid or not.
        const res = call % 2 === 0 ? await report({ credentials: [unknownToken()] }) : await report({ credentials: [] });
        expect(res.statusCode, `call ${call}`).toBe(call % 2 === 0 ? 202 : 400);
      }
      const refused = await report({ credentials: [unknownToken()] });
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({ message: '429 Too Many Requests' });
      // The first call leaves the hour 40 minutes from now.
      expect(refused.headers['retry-after']).toBe(String(40 * 60));
      expect(refused.headers['x-tollgate-error-code']).toBe('credentials_revoke_limited');
      // A malformed call is refused by the limit too (counted before the body is read).
      expect((await report('{', { 'content-type': 'application/json' })).statusCode).toBe(429);
      expect((await report({ credentials: [unknownToken()] }, {}, '203.0.113.77')).statusCode).toBe(202);

      h.clock.advance(40 * 60_000 - 1000);
      expect((await report({ credentials: [unknownToken()] })).headers['retry-after']).toBe('1');
      h.clock.advance(1000);
      // The first call has left the hour; refused calls were not counted, so one call is free again.
      expect((await report({ credentials: [unknownToken()] })).statusCode).toBe(202);
      expect((await report({ credentials: [unknownToken()] })).statusCode).toBe(429);
    } finally {
      h.clock.set(start);
    }
  });

  it('the limit is the application setting credentials_revoke_limit_per_hour', async () => {
    await setSettings(h, { credentials_revoke_limit_per_hour: 2 });
    try {
      expect((await report({ credentials: [unknownToken()] })).statusCode).toBe(202);
      expect((await report({ credentials: [unknownToken()] })).statusCode).toBe(202);
      expect((await report({ credentials: [unknownToken()] })).statusCode).toBe(429);
    } finally {
      await setSettings(h, { credentials_revoke_limit_per_hour: 60 });
    }
  });

  it('the job revokes the active tokens: token_revoked_leak_report in the group\'s, the project\'s and the user\'s audit log, and an email to the group\'s Owners, the project\'s Maintainers and Owners, the user', async () => {
    const groupOwner = await makeUser(h);
    const group = await makeGroup(h, groupOwner);
    const groupMaintainer = await makeUser(h);
    await setRole(h, { group }, groupMaintainer, AccessLevel.MAINTAINER);
    const project = await makeProject(h, group);
    const projectMaintainer = await makeUser(h);
    const projectOwner = await makeUser(h);
    const projectDeveloper = await makeUser(h);
    await setRole(h, { project }, projectMaintainer, AccessLevel.MAINTAINER);
    await setRole(h, { project }, projectOwner, AccessLevel.OWNER);
    await setRole(h, { project }, projectDeveloper, AccessLevel.DEVELOPER);
    const person = await makeUser(h);

    const groupToken = await makeGroupToken(h, group, { expiresAt: null, name: 'group-deploy' });
    const projectToken = await makeGroupToken(h, project, { expiresAt: null, name: 'project-deploy' });
    const personal = await makePat(h, person, { name: 'laptop' });
    const alreadyRevoked = await makePat(h, person, { name: 'old' });
    await revokeTokenIfActive(h.ctx.database.db, alreadyRevoked.id, h.clock.now().toISOString());
    const [eventsBefore, mailsBefore] = [(await leakEvents()).length, (await outbox()).length];

    const res = await report({ credentials: [groupToken.plaintext, projectToken.plaintext, personal.token, alreadyRevoked.token, unknownToken()] });
    expect(res.statusCode).toBe(202);
    // Nothing happens before the job runs.
    expect((await h.app.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': personal.token } })).statusCode).toBe(200);

    const run = await runJob('leak-revocation', h.ctx);
    expect(run).toEqual({ job: 'leak-revocation', ran: true, report: { revoked: 3, ignored: 2, emailsQueued: 4 } });
    expect(await queued()).toEqual([]);
    for (const token of [groupToken.plaintext, projectToken.plaintext, personal.token]) {
      const refused = await h.app.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': token } });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error_description).toMatch(/revoked/);
    }

    const events = (await leakEvents()).slice(eventsBefore);
    expect(events.map((e) => [e.entity_type, e.entity_id, e.target_id, e.target_details, e.author_id, e.author_name, e.ip_address])).toEqual([
      ['Group', group.id, groupToken.token.id, 'group-deploy', null, 'Public leak report', from],
      ['Project', project.id, projectToken.token.id, 'project-deploy', null, 'Public leak report', from],
      ['User', person.id, personal.id, 'laptop', null, 'Public leak report', from],
    ]);
    // The already revoked token: no event, no email.
    expect(events.some((e) => e.target_id === alreadyRevoked.id)).toBe(false);

    const mails = (await outbox()).slice(mailsBefore);
    expect(mails.map((m) => [m.recipient, m.subject]).sort()).toEqual(
      [
        [groupOwner.email, 'A group access token has been revoked'],
        [projectMaintainer.email, 'A project access token has been revoked'],
        [projectOwner.email, 'A project access token has been revoked'],
        [person.email, 'A personal access token has been revoked'],
      ].sort(),
    );
    expect(mails.find((m) => m.recipient === groupOwner.email)!.text_body).toContain(`The group access token "group-deploy" of Group ${group.full_path} was reported as publicly exposed`);
    expect(mails.find((m) => m.recipient === person.email)!.text_body).toContain('http://tollgate.test/-/user_settings/personal_access_tokens');

    // The emails go out through the mail-delivery job, as every other.
    const peer = await startSmtpPeer();
    try {
      await runJob('mail-delivery', { ...h.ctx, config: { ...h.ctx.config, smtpUrl: peer.url } });
      expect(peer.received.filter((m) => m.raw.includes('has been revoked')).map((m) => m.to[0]).sort()).toEqual(
        [groupOwner.email, projectMaintainer.email, projectOwner.email, person.email].sort(),
      );
    } finally {
      await peer.close();
    }

    // Reported again: nothing more happens.
    await report({ credentials: [personal.token] });
    expect(await runJob('leak-revocation', h.ctx)).toMatchObject({ report: { revoked: 0, ignored: 1 } });
    expect(await leakEvents()).toHaveLength(eventsBefore + 3);
  });

  it('two instances draining the queue at once act on each report once (SQLite: two runs in one process, its only deployment)', async () => {
    const user = await makeUser(h);
    const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => makePat(h, user, { name: `t${i}` })));
    const [eventsBefore, mailsBefore] = [(await leakEvents()).length, (await outbox()).length];
    expect((await report({ credentials: tokens.map((t) => t.token) })).statusCode).toBe(202);
    const second = await openSecondInstance(h);
    try {
      // Without the job lock, to race on the reports themselves.
      const [one, two] = await Promise.all([revokeReportedTokens(h.ctx), revokeReportedTokens(dialect === 'postgres' ? second.ctx : h.ctx)]);
      expect(one.revoked + two.revoked).toBe(5);
      expect(one.ignored + two.ignored).toBe(0);
    } finally {
      await second.close();
    }
    expect((await leakEvents()).length - eventsBefore).toBe(5);
    expect((await outbox()).length - mailsBefore).toBe(5);
  });
});
