import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/expiry.js';
import { runJob } from '../../src/jobs/registry.js';
import { runExpiringTokens } from '../../src/services/expiring-tokens.js';
import { revokeTokenIfActive } from '../../src/store/repositories/tokens.js';
import '../../src/store/schema-lifecycle.js';
import type { GroupRow, ProjectRow, UserRow } from '../../src/store/schema.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makeProject, makeUser, setRole } from '../support/factories.js';
import { createHarness, openSecondInstance, type Harness } from '../support/harness.js';
import { makeGroupToken, setNotifyInherited, setSettings } from '../support/lifecycle-factories.js';
import { startSmtpPeer } from './peers.js';

const at = (date: string) => new Date(`${date}T01:00:00.000Z`);

async function outbox(h: Harness) {
  return h.ctx.database.db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();
}

/** The emails queued since `afterId` that mention this group. */
async function mailsAbout(h: Harness, group: GroupRow, afterId = 0) {
  return (await outbox(h)).filter((m) => m.id > afterId && m.text_body.includes(`Group ${group.full_path}:`));
}

describe.each(TEST_DIALECTS)('expiring-tokens job (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2026-06-15T01:00:00.000Z' });
  });
  afterAll(() => h.close());

  it('T7 §7 a token expiring in 45 days gets the 60-day notice once, then nothing until the 30-day window, then the 7-day and the expired notices', async () => {
    h.clock.set(at('2026-06-15'));
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    const { token } = await makeGroupToken(h, group, { expiresAt: '2026-07-30', name: 'deploy' });

    const first = await runJob('expiring-tokens', h.ctx);
    expect(first).toMatchObject({ ran: true, report: { notices: { sixty_days: 1 }, emailsQueued: 1 } });
    const sixty = await mailsAbout(h, group);
    expect(sixty).toHaveLength(1);
    expect(sixty[0]!.recipient).toBe(owner.email);
    expect(sixty[0]!.subject).toBe('Your resource access tokens will expire in 60 days or less: "deploy" (' + group.full_path + ') expires on 2026-07-30');

    // Again the same night, and every night until the token enters the 30-day window: nothing.
    await runJob('expiring-tokens', h.ctx);
    for (let day = 1; day <= 14; day += 1) {
      h.clock.set(at(addDays('2026-06-15', day)));
      await runJob('expiring-tokens', h.ctx);
    }
    expect(await mailsAbout(h, group)).toHaveLength(1);

    h.clock.set(at('2026-06-30')); // 30 days left
    await runJob('expiring-tokens', h.ctx);
    const thirty = await mailsAbout(h, group, sixty[0]!.id);
    expect(thirty.map((m) => m.subject)).toEqual([expect.stringContaining('will expire in 30 days or less')]);

    h.clock.set(at('2026-07-23')); // 7 days left
    await runJob('expiring-tokens', h.ctx);
    h.clock.set(at('2026-07-24'));
    await runJob('expiring-tokens', h.ctx);
    const seven = await mailsAbout(h, group, thirty[0]!.id);
    expect(seven.map((m) => m.subject)).toEqual([expect.stringContaining('will expire in 7 days or less')]);

    h.clock.set(at('2026-07-30')); // the expiry date: the token died at 00:00, the notice comes tomorrow
    await runJob('expiring-tokens', h.ctx);
    expect(await mailsAbout(h, group, seven[0]!.id)).toHaveLength(0);
    h.clock.set(at('2026-07-31'));
    await runJob('expiring-tokens', h.ctx);
    h.clock.set(at('2026-08-01'));
    await runJob('expiring-tokens', h.ctx);
    const expired = await mailsAbout(h, group, seven[0]!.id);
    expect(expired.map((m) => m.subject)).toEqual([`Your resource access tokens have expired: "deploy" (${group.full_path}) expired on 2026-07-30`]);

    const row = await h.ctx.database.db.selectFrom('personal_access_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(row.sixty_days_notification_sent_at).toBe('2026-06-15T01:00:00.000Z');
    expect(row.thirty_days_notification_sent_at).toBe('2026-06-30T01:00:00.000Z');
    expect(row.seven_days_notification_sent_at).toBe('2026-07-23T01:00:00.000Z');
    expect(row.after_expiry_notification_sent_at).toBe('2026-07-31T01:00:00.000Z');
  });

  it('§7 a token first seen inside the 7-day window gets only the 7-day notice (no 30 or 60 after it)', async () => {
    h.clock.set(at('2026-09-01'));
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    await makeGroupToken(h, group, { expiresAt: '2026-09-05' });
    await runJob('expiring-tokens', h.ctx);
    h.clock.set(at('2026-09-02'));
    await runJob('expiring-tokens', h.ctx);
    expect((await mailsAbout(h, group)).map((m) => m.subject)).toEqual([expect.stringContaining('will expire in 7 days or less')]);
  });

  it('the email names the tokens, the group and the dates, links to Settings > Access tokens, and has plain text and HTML parts', async () => {
    h.clock.set(at('2026-10-01'));
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    await makeGroupToken(h, group, { expiresAt: '2026-10-04', name: 'ci <runner>' });
    await makeGroupToken(h, group, { expiresAt: '2026-10-20', name: 'deploy' });
    await runJob('expiring-tokens', h.ctx);
    const [mail, ...others] = await mailsAbout(h, group);
    expect(others).toHaveLength(0);
    const link = `http://tollgate.test/groups/${group.full_path}/-/settings/access_tokens`;
    expect(mail!.subject).toBe(`Your resource access tokens will expire in 30 days or less: "ci <runner>" (${group.full_path}) expires on 2026-10-04 and 1 more`);
    expect(mail!.text_body).toContain(`Group ${group.full_path}:`);
    expect(mail!.text_body).toContain('"ci <runner>" expires on 2026-10-04 (in 3 days)');
    expect(mail!.text_body).toContain('"deploy" expires on 2026-10-20 (in 19 days)');
    expect(mail!.text_body).toContain(`Settings > Access tokens: ${link}`);
    expect(mail!.text_body).toContain('You are receiving this email because you are an Owner of the Group.');
    expect(mail!.html_body).toContain(`<a href="${link}">`);
    expect(mail!.html_body).toContain('<strong>ci &lt;runner&gt;</strong> expires on 2026-10-04');
  });

  it('one email per recipient per run, listing all their tokens due in every group they own', async () => {
    h.clock.set(at('2026-11-01'));
    const owner = await makeUser(h);
    const other = await makeUser(h);
    const g1 = await makeGroup(h, owner);
    const g2 = await makeGroup(h, owner);
    await setRole(h, { group: g2 }, other, AccessLevel.OWNER);
    await makeGroupToken(h, g1, { expiresAt: '2026-11-05', name: 'one' });
    await makeGroupToken(h, g2, { expiresAt: '2026-12-20', name: 'two' });
    const before = (await outbox(h)).length;
    await runJob('expiring-tokens', h.ctx);
    const mails = (await outbox(h)).slice(before);
    expect(mails.map((m) => m.recipient).sort()).toEqual([owner.email, other.email].sort());
    const ownersMail = mails.find((m) => m.recipient === owner.email)!;
    expect(ownersMail.subject).toMatch(/^Your resource access tokens will expire in 60 days or less: "one"/);
    expect(ownersMail.text_body).toContain(`Group ${g1.full_path}:`);
    expect(ownersMail.text_body).toContain(`Group ${g2.full_path}:`);
    expect(mails.find((m) => m.recipient === other.email)!.text_body).not.toContain(g1.full_path);
  });

  it('§7 only active human Owners receive notices: not Maintainers, not blocked users, not an Owner bot; revoked tokens get none', async () => {
    h.clock.set(at('2026-12-01'));
    const owner = await makeUser(h);
    const maintainer = await makeUser(h);
    const blocked = await makeUser(h);
    const group = await makeGroup(h, owner);
    await setRole(h, { group }, maintainer, AccessLevel.MAINTAINER);
    await setRole(h, { group }, blocked, AccessLevel.OWNER);
    await h.ctx.database.db.updateTable('users').set({ state: 'blocked' }).where('id', '=', blocked.id).execute();
    await makeGroupToken(h, group, { expiresAt: '2026-12-05', accessLevel: AccessLevel.OWNER });
    const revoked = await makeGroupToken(h, group, { expiresAt: '2026-12-04', name: 'revoked one' });
    await revokeTokenIfActive(h.ctx.database.db, revoked.token.id, h.clock.now().toISOString());
    await runJob('expiring-tokens', h.ctx);
    const mails = await mailsAbout(h, group);
    expect(mails.map((m) => m.recipient)).toEqual([owner.email]);
    expect(mails[0]!.text_body).not.toContain('revoked one');
  });

  it('running twice, or on two instances at once, queues exactly one email per recipient, and each arrives once', async () => {
    h.clock.set(at('2027-01-10'));
    const owners = [await makeUser(h), await makeUser(h)];
    // One group for runs through the job lock (the scheduler's way), one for runs around it (row claims alone).
    const [locked, unlocked] = [await makeGroup(h, owners[0]!), await makeGroup(h, owners[0]!)];
    for (const group of [locked, unlocked]) {
      await setRole(h, { group }, owners[1]!, AccessLevel.OWNER);
      for (let i = 0; i < 5; i += 1) await makeGroupToken(h, group, { expiresAt: addDays('2027-01-10', 2 + i * 10) });
    }
    const second = await openSecondInstance(h);
    try {
      // Concurrent runs of the job on two instances: one runs, the other finds the lock taken or nothing left.
      const runs = await Promise.all([runJob('expiring-tokens', h.ctx), runJob('expiring-tokens', second.ctx)]);
      expect(runs.filter((r) => r.ran).length).toBeGreaterThanOrEqual(1);
      await runJob('expiring-tokens', second.ctx);
    } finally {
      await second.close();
    }
    const lockedMails = await mailsAbout(h, locked);
    expect(lockedMails.map((m) => m.recipient).sort()).toEqual(owners.map((o) => o.email).sort());

    // Tokens of the other group were announced together with the first ones; make them due again
    // to race two runs that bypass the lock (SQLite: one connection, PostgreSQL: two pools).
    await h.ctx.database.db.deleteFrom('mail_outbox').execute();
    await h.ctx.database.db
      .updateTable('personal_access_tokens')
      .set({ sixty_days_notification_sent_at: null, thirty_days_notification_sent_at: null, seven_days_notification_sent_at: null })
      .where('group_id', '=', unlocked.id)
      .execute();
    const racer = await openSecondInstance(h);
    try {
      await Promise.all([runExpiringTokens(h.ctx), runExpiringTokens(h.dialect === 'postgres' ? racer.ctx : h.ctx)]);
    } finally {
      await racer.close();
    }
    const mails = await mailsAbout(h, unlocked);
    expect(mails.map((m) => m.recipient).sort()).toEqual(owners.map((o) => o.email).sort());
    // Five tokens over three intervals, each once, in the one email of each owner.
    for (const mail of mails) expect(mail.text_body.match(/^ {2}- "/gm)).toHaveLength(5);

    const peer = await startSmtpPeer();
    try {
      const ctx = { ...h.ctx, config: { ...h.ctx.config, smtpUrl: peer.url } };
      await Promise.all([runJob('mail-delivery', ctx), runJob('mail-delivery', ctx)]);
      await runJob('mail-delivery', ctx);
      const received = peer.received.filter((m) => m.raw.includes(unlocked.full_path));
      expect(received.map((m) => m.to[0]).sort()).toEqual(owners.map((o) => o.email).sort());
    } finally {
      await peer.close();
    }
  });

  it('a crash between recording the notices and writing the emails is finished by the next run, with nothing sent twice', async () => {
    h.clock.set(at('2027-02-01'));
    const owner = await makeUser(h);
    const group = await makeGroup(h, owner);
    await makeGroupToken(h, group, { expiresAt: '2027-02-03' });
    await makeGroupToken(h, group, { expiresAt: '2027-03-01' });
    const crash = new Error('power cut');
    await expect(
      runExpiringTokens(h.ctx, {
        batchSize: 1,
        afterBatch: () => {
          throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(await mailsAbout(h, group)).toHaveLength(0);
    await runJob('expiring-tokens', h.ctx);
    await runJob('expiring-tokens', h.ctx);
    const mails = await mailsAbout(h, group);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text_body.match(/^ {2}- "/gm)).toHaveLength(2);
  });
});

describe.each(TEST_DIALECTS)('expiry notice recipients: inherited Owners (%s)', (dialect) => {
  let h: Harness;
  let day = 0;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2027-05-01T01:00:00.000Z' });
  });
  afterAll(() => h.close());

  /** A parent with its Owner, a subgroup with its own Owner, a token of the subgroup due; who is told? */
  async function recipientsFor(setup: (parent: GroupRow, child: GroupRow) => Promise<void>): Promise<{ parentOwner: UserRow; childOwner: UserRow; told: string[] }> {
    day += 1;
    h.clock.set(at(addDays('2027-05-01', day)));
    const parentOwner = await makeUser(h);
    const childOwner = await makeUser(h);
    const parent = await makeGroup(h, parentOwner);
    const child = await makeGroup(h, parentOwner, { parent });
    // The subgroup's creator is a direct Owner of it too; make childOwner its only direct Owner.
    await h.ctx.database.db.deleteFrom('members').where('source_type', '=', 'group').where('source_id', '=', child.id).where('user_id', '=', parentOwner.id).execute();
    await setRole(h, { group: child }, childOwner, AccessLevel.OWNER);
    await setup(parent, child);
    await makeGroupToken(h, child, { expiresAt: addDays(h.clock.now().toISOString().slice(0, 10), 3) });
    await runJob('expiring-tokens', h.ctx);
    const told = (await mailsAbout(h, child)).map((m) => m.recipient).sort();
    return { parentOwner, childOwner, told };
  }

  const cases: [string, (h: Harness, parent: GroupRow, child: GroupRow) => Promise<void>, boolean][] = [
    ['nothing set: direct Owners only', async () => {}, false],
    ['on at the group', async (h, _p, child) => setNotifyInherited(h, child, true), true],
    ['on at a parent', async (h, parent) => setNotifyInherited(h, parent, true), true],
    ['on at the instance', async (h) => setSettings(h, { resource_access_token_notify_inherited: true }), true],
    ['on at a parent, off at the group (not locked): the group wins', async (h, parent, child) => {
      await setNotifyInherited(h, parent, true);
      await setNotifyInherited(h, child, false);
    }, false],
    ['on and locked at a parent, off at the group: the lock wins', async (h, parent, child) => {
      await setNotifyInherited(h, parent, true, true);
      await setNotifyInherited(h, child, false);
    }, true],
    ['off and locked at the instance, on at the group: the instance lock wins', async (h, _p, child) => {
      await setSettings(h, { resource_access_token_notify_inherited: false, lock_resource_access_token_notify_inherited: true });
      await setNotifyInherited(h, child, true);
    }, false],
  ];

  it.each(cases)('§6 §7 resource_access_token_notify_inherited %s', async (_name, setup, inherited) => {
    await setSettings(h, { resource_access_token_notify_inherited: false, lock_resource_access_token_notify_inherited: false });
    const { parentOwner, childOwner, told } = await recipientsFor((parent, child) => setup(h, parent, child));
    expect(told).toEqual((inherited ? [parentOwner.email, childOwner.email] : [childOwner.email]).sort());
  });
});

describe.each(TEST_DIALECTS)('§10 "Expiry notices": project access tokens (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, { now: '2028-01-10T01:00:00.000Z' });
    await setSettings(h, { resource_access_token_notify_inherited: false, lock_resource_access_token_notify_inherited: false });
  });
  afterAll(() => h.close());

  const pathOf = (group: GroupRow, project: ProjectRow) => `${group.full_path}/${project.path}`;
  /** The emails queued since `afterId` that mention this project. */
  const mailsAboutProject = async (group: GroupRow, project: ProjectRow, afterId = 0) =>
    (await outbox(h)).filter((m) => m.id > afterId && m.text_body.includes(`Project ${pathOf(group, project)}:`));

  /** New users, one per role, each a direct member of the group or project at it. */
  async function membersAt<const L extends readonly number[]>(source: { group?: GroupRow; project?: ProjectRow }, levels: L): Promise<{ [K in keyof L]: UserRow }> {
    const users: UserRow[] = [];
    for (const level of levels) {
      const user = await makeUser(h);
      await setRole(h, source, user, level);
      users.push(user);
    }
    return users as unknown as { [K in keyof L]: UserRow };
  }

  /** A project in a new group whose creator is the group's Owner, with direct members at each role. */
  async function projectWithMembers() {
    const groupOwner = await makeUser(h);
    const group = await makeGroup(h, groupOwner);
    const [groupMaintainer, groupDeveloper] = await membersAt({ group }, [AccessLevel.MAINTAINER, AccessLevel.DEVELOPER]);
    const project = await makeProject(h, group);
    const [owner, maintainer, developer] = await membersAt({ project }, [AccessLevel.OWNER, AccessLevel.MAINTAINER, AccessLevel.DEVELOPER]);
    return { group, project, owner, maintainer, developer, groupOwner, groupMaintainer, groupDeveloper };
  }

  it('§10 "Expiry notices" a project token expiring in 45 days gets one 60-day notice to the project’s direct Owners and Maintainers (not Developers, not the bot, not inherited members), then nothing until the 30-day window', async () => {
    h.clock.set(at('2028-01-10'));
    const r = await projectWithMembers();
    const { bot } = await makeGroupToken(h, r.project, { expiresAt: '2028-02-24', name: 'deploy', accessLevel: AccessLevel.OWNER });

    await runJob('expiring-tokens', h.ctx);
    const sixty = await mailsAboutProject(r.group, r.project);
    expect(sixty.map((m) => m.recipient).sort()).toEqual([r.owner.email, r.maintainer.email].sort());
    expect(sixty.map((m) => m.recipient)).not.toContain(bot.email);
    expect(sixty[0]!.subject).toBe(`Your resource access tokens will expire in 60 days or less: "deploy" (${pathOf(r.group, r.project)}) expires on 2028-02-24`);

    // Again the same night, and every night until the token enters the 30-day window: nothing.
    await runJob('expiring-tokens', h.ctx);
    for (let day = 1; day <= 14; day += 1) {
      h.clock.set(at(addDays('2028-01-10', day)));
      await runJob('expiring-tokens', h.ctx);
    }
    expect(await mailsAboutProject(r.group, r.project)).toHaveLength(2);

    h.clock.set(at('2028-01-25')); // 30 days left
    await runJob('expiring-tokens', h.ctx);
    await runJob('expiring-tokens', h.ctx);
    const thirty = await mailsAboutProject(r.group, r.project, Math.max(...sixty.map((m) => m.id)));
    expect(thirty.map((m) => m.recipient).sort()).toEqual([r.owner.email, r.maintainer.email].sort());
    for (const mail of thirty) expect(mail.subject).toMatch(/^Your resource access tokens will expire in 30 days or less: "deploy"/);
  });

  it('§10 "Expiry notices" the email says "project" and links to the project’s Settings > Access tokens page', async () => {
    h.clock.set(at('2028-03-01'));
    const r = await projectWithMembers();
    await makeGroupToken(h, r.project, { expiresAt: '2028-03-04', name: 'ci' });
    await runJob('expiring-tokens', h.ctx);
    const [mail] = await mailsAboutProject(r.group, r.project);
    const link = `http://tollgate.test/${pathOf(r.group, r.project)}/-/settings/access_tokens`;
    expect(mail!.text_body).toContain('These project access tokens have expired or will expire soon:');
    expect(mail!.text_body).toContain(`Settings > Access tokens: ${link}`);
    expect(mail!.text_body).toContain('You are receiving this email because you are an Owner or Maintainer of the Project.');
    expect(mail!.text_body).not.toContain('group access tokens');
    expect(mail!.html_body).toContain(`<a href="${link}">`);
    expect(mail!.html_body).toContain(`<h3>Project ${pathOf(r.group, r.project)}</h3>`);
  });

  it.each([
    ['off: direct members only', false],
    ['on for the project’s group: its Owners and Maintainers (not Developers) as well', true],
  ])('§10 "Expiry notices" inherited Owners and Maintainers, resource_access_token_notify_inherited %s', async (_name, inherited) => {
    h.clock.set(at(inherited ? '2028-05-01' : '2028-04-01'));
    const r = await projectWithMembers();
    if (inherited) await setNotifyInherited(h, r.group, true);
    await makeGroupToken(h, r.project, { expiresAt: addDays(h.clock.now().toISOString().slice(0, 10), 3) });
    await runJob('expiring-tokens', h.ctx);
    const told = (await mailsAboutProject(r.group, r.project)).map((m) => m.recipient).sort();
    const direct = [r.owner.email, r.maintainer.email];
    expect(told).toEqual((inherited ? [...direct, r.groupOwner.email, r.groupMaintainer.email] : direct).sort());
  });

  it('§10 "Expiry notices" one email per recipient per run: a project token and a group token due together share it, and arrive once over SMTP', async () => {
    h.clock.set(at('2028-06-01'));
    const r = await projectWithMembers();
    await setRole(h, { project: r.project }, r.groupOwner, AccessLevel.MAINTAINER);
    await makeGroupToken(h, r.project, { expiresAt: '2028-06-05', name: 'project one' });
    await makeGroupToken(h, r.group, { expiresAt: '2028-06-06', name: 'group one' });
    const before = (await outbox(h)).length;
    await runJob('expiring-tokens', h.ctx);
    await runJob('expiring-tokens', h.ctx);
    const mine = (await outbox(h)).slice(before).filter((m) => m.recipient === r.groupOwner.email);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.text_body).toContain(`Project ${pathOf(r.group, r.project)}:`);
    expect(mine[0]!.text_body).toContain(`Group ${r.group.full_path}:`);
    expect(mine[0]!.text_body).toContain('These group and project access tokens have expired or will expire soon:');

    const peer = await startSmtpPeer();
    try {
      const ctx = { ...h.ctx, config: { ...h.ctx.config, smtpUrl: peer.url } };
      await runJob('mail-delivery', ctx);
      await runJob('mail-delivery', ctx);
      const told = [r.owner.email, r.maintainer.email, r.groupOwner.email];
      const received = peer.received.filter((m) => told.includes(m.to[0]!));
      expect(received.map((m) => m.to[0]).sort()).toEqual(told.sort());
    } finally {
      await peer.close();
    }
  });
});
