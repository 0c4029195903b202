// The nightly expiring-tokens job over a large store, on SQLite: 10,000 tokens due among 100,000
// and among 1,000,000 stored. Its cost should follow the tokens due (a range on the
// (revoked, expires_at) index), not the tokens stored; the budget is 10 seconds at 1,000,000.
import { spawnSync } from 'node:child_process';
import { addDays } from '../src/domain/expiry.js';
import { runExpiringTokens } from '../src/services/expiring-tokens.js';
import { createHarness, type Harness } from '../test/support/harness.js';

const DUE = 10_000;
const GROUPS = 100;
const OWNERS_PER_GROUP = 2;
const BUDGET_MS = 10_000;
const TODAY = '2026-06-15';
const sizes = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);

/** Fills a fresh store: groups with Owners, DUE bot tokens in the notice windows, the rest not due. */
async function seed(h: Harness, stored: number) {
  const sqlite = h.ctx.database.sqlite!;
  const now = `${TODAY}T01:00:00.000Z`;
  const insertUser = sqlite.prepare(
    `insert into users (username, email, name, state, is_admin, external, user_type, bot_namespace_id, password_digest, created_at, updated_at)
     values (?, ?, ?, 'active', 0, 0, ?, ?, null, ?, ?)`,
  );
  const insertGroup = sqlite.prepare(
    `insert into groups (name, path, full_path, parent_id, traversal, visibility, description, resource_access_token_creation_allowed,
       resource_access_token_notify_inherited, lock_resource_access_token_notify_inherited, created_at, updated_at)
     values (?, ?, ?, null, ?, 'private', '', 1, null, 0, ?, ?)`,
  );
  const setTraversal = sqlite.prepare('update groups set traversal = ? where id = ?');
  const insertMember = sqlite.prepare(
    `insert into members (user_id, source_type, source_id, access_level, expires_at, created_by_id, created_at, updated_at)
     values (?, 'group', ?, ?, null, null, ?, ?)`,
  );
  const insertToken = sqlite.prepare(
    `insert into personal_access_tokens (user_id, name, description, scopes, token_digest, expires_at, revoked, revoked_at, last_used_at,
       last_used_ips, impersonation, previous_personal_access_token_id, group_id, created_at, updated_at)
     values (?, ?, null, '["api"]', ?, ?, ?, ?, null, '[]', 0, null, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    const groupIds: number[] = [];
    for (let g = 0; g < GROUPS; g += 1) {
      const id = Number(insertGroup.run(`bench ${g}`, `bench-${g}`, `bench-${g}`, 'pending', now, now).lastInsertRowid);
      setTraversal.run(`/${id}/`, id);
      groupIds.push(id);
      for (let o = 0; o < OWNERS_PER_GROUP; o += 1) {
        const owner = Number(insertUser.run(`owner-${g}-${o}`, `owner-${g}-${o}@example.com`, `Owner ${g}-${o}`, 'human', null, now, now).lastInsertRowid);
        insertMember.run(owner, id, 50, now, now);
      }
    }
    // Due: one bot per token (as GitLab makes them), expiring over the next 60 days.
    for (let i = 0; i < DUE; i += 1) {
      const groupId = groupIds[i % GROUPS]!;
      const bot = Number(insertUser.run(`group_${groupId}_bot_due${i}`, `due${i}@noreply.bench`, `due ${i}`, 'project_bot', groupId, now, now).lastInsertRowid);
      insertMember.run(bot, groupId, 40, now, now);
      insertToken.run(bot, `due ${i}`, `due-digest-${i}`, addDays(TODAY, i % 61), 0, null, groupId, now, now);
    }
    // Not due: expiring later, expired long ago, revoked, or never expiring; spread over 1,000 bots.
    const bots: number[] = [];
    for (let b = 0; b < 1000; b += 1) {
      const groupId = groupIds[b % GROUPS]!;
      bots.push(Number(insertUser.run(`group_${groupId}_bot_old${b}`, `old${b}@noreply.bench`, `old ${b}`, 'project_bot', groupId, now, now).lastInsertRowid));
    }
    for (let i = 0; i < stored - DUE; i += 1) {
      const kind = i % 10;
      const expiresAt = kind < 6 ? addDays(TODAY, 61 + (i % 300)) : kind < 8 ? addDays(TODAY, -30 - (i % 300)) : kind < 9 ? addDays(TODAY, 1 + (i % 60)) : null;
      const revoked = kind === 8 ? 1 : 0;
      insertToken.run(bots[i % bots.length]!, `stored ${i}`, `stored-digest-${i}`, expiresAt, revoked, revoked ? now : null, null, now, now);
    }
  })();
  sqlite.pragma('optimize');
  // Fold the seeding into the database file now, so the job does not pay for its checkpoint.
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
}

interface Measured {
  stored: number;
  ms: number;
}

/** One size, in this process: seed, show the query plan, time the job. */
async function measure(stored: number): Promise<Measured> {
  const h = await createHarness('sqlite', { now: `${TODAY}T01:00:00.000Z` });
  try {
    const seeding = performance.now();
    await seed(h, stored);
    console.log(`seeded ${stored.toLocaleString('en')} tokens (${DUE.toLocaleString('en')} due) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const plan = h.ctx.database
      .sqlite!.prepare(
        `explain query plan select id from personal_access_tokens where revoked = 0 and expires_at >= ? and expires_at <= ?
         and impersonation = 0 and sixty_days_notification_sent_at is null and seven_days_notification_sent_at is null order by expires_at, id limit 1000`,
      )
      .all(addDays(TODAY, 31), addDays(TODAY, 60)) as { detail: string }[];
    console.log(`  due-token query plan: ${plan.map((p) => p.detail).join('; ')}`);
    const claimPlan = h.ctx.database
      .sqlite!.prepare(
        `explain query plan update personal_access_tokens set sixty_days_notification_sent_at = ? where id in (?, ?, ?) and +revoked = 0
         and sixty_days_notification_sent_at is null and seven_days_notification_sent_at is null`,
      )
      .all('x', 1, 2, 3) as { detail: string }[];
    console.log(`  ledger update plan:   ${claimPlan.map((p) => p.detail).join('; ')}`);
    const started = performance.now();
    const report = await runExpiringTokens(h.ctx);
    const ms = performance.now() - started;
    const notified = Object.values(report.notices).reduce((a, b) => a + b, 0);
    if (notified !== DUE) throw new Error(`expected ${DUE} notices, got ${notified}`);
    console.log(`  expiring-tokens job: ${(ms / 1000).toFixed(2)} s, ${report.emailsQueued} emails queued, notices ${JSON.stringify(report.notices)}`);
    return { stored, ms };
  } finally {
    await h.close();
  }
}

if (process.env.BENCH_ONE_SIZE) {
  process.stdout.write(`RESULT ${JSON.stringify(await measure(Number(process.env.BENCH_ONE_SIZE)))}\n`);
} else {
  // Each size in a process of its own, so the seeding's garbage and caches do not bill the job.
  const results: Measured[] = [];
  for (const stored of sizes) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!], { env: { ...process.env, BENCH_ONE_SIZE: String(stored) }, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`benchmark of ${stored} tokens failed:\n${child.stdout}${child.stderr}`);
    process.stdout.write(child.stdout.replace(/^RESULT .*\n/m, ''));
    results.push(JSON.parse(/^RESULT (.*)$/m.exec(child.stdout)![1]!) as Measured);
  }
  if (results.length === 2) {
    const [small, large] = results as [Measured, Measured];
    console.log(
      `\n${large.stored / small.stored}x the tokens stored, same ${DUE.toLocaleString('en')} due: ${(large.ms / small.ms).toFixed(2)}x the time ` +
        '(the cost follows the tokens due, not the tokens stored)',
    );
  }
  const largest = results.at(-1)!;
  const verdict = largest.ms < BUDGET_MS ? 'within' : 'OVER';
  console.log(`${largest.stored.toLocaleString('en')} stored: ${(largest.ms / 1000).toFixed(2)} s, ${verdict} the ${BUDGET_MS / 1000} s budget`);
  if (largest.ms >= BUDGET_MS) process.exitCode = 1;
}
