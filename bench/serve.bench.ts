// Tollgate as shipped: `node bin/tollgate.js serve` in a child process, with its default settings
// and log level (`info`) and again at `warn`, on SQLite and on PostgreSQL, each with a group that
// holds BENCH_TOKENS (100,000) group access tokens, loaded by wrk against a bare Fastify route of
// the same Fastify in a process of its own (the "hello rate"). Targets of issue 11:
//   P1 GET /personal_access_tokens/self with a group token: rate as a ratio of the hello rate, p99
//   P2 GET /groups/:id/access_tokens (default page, ?search=, ?state=active): p99
//   P3 POST /groups/:id/access_tokens: creates per second
//   P4 ready time (spawn to /-/readiness 200), RSS idle and under P1 load
// Beside P1, its floor (bench/floor-server.ts): a Fastify app that answers the same JSON with the
// same info log line and nothing else, the most any Fastify app could reach on this route; and the
// answer alone (bench/answer-server.ts): that JSON on a bare Fastify, without the log line or the
// token lookup. P1's target is measured against the floor (docs/decisions/0006).
// The ratios are printed only if, in this run, wrk drove a canned-response server (the cheapest
// HTTP a Node process can answer) at least twice as fast as the bare route: then the bare route and
// every slower one measure the server, not the generator. Rounds
// alternate between the targets and medians are compared: these machines are shared and noisy.
// Beside each rate, the server's CPU time per answer (/proc, all its threads), which the machine's
// other work moves less than it moves a rate. The log's cost at `info` is P1's rate against `warn`,
// from the pairs of each round (logCostsOf). P2 and P3 load an instance of their own (at `info`):
// thousands of creates leave a server with a larger heap, a few microseconds more per answer and a
// longer tail, and the `info`/`warn` pair of P1 must differ by the log alone.
//
// `npm run bench -- serve` runs it all (after `npm run build`); `npm run bench -- auth` only the
// hello rate and P1. Figures go to bench/results/latest.json (docs/performance.md reads them).
// BENCH_DURATION_S (5), BENCH_ROUNDS (3, at least 3), BENCH_WARMUP_S (1), BENCH_TOKENS (100000),
// BENCH_DATABASES (sqlite,postgres), BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432; a
// fresh database per instance is created there and dropped after), BENCH_SERVER_LOGS (a directory
// for the servers' logs; /dev/null otherwise).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { median, pairedShortfall } from './support/figures.js';
import { cpuSeconds, freePort, rssBytes, startServer, type ServerProcess } from './support/processes.js';
import { seedInstance, type SeededInstance } from './support/seed.js';
import { runWrk, wrkVersion, type WrkResult } from './support/wrk.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function envInt(name: string, fallback: number, minimum = 1): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${name} must be an integer of at least ${minimum}`);
  return value;
}

type DatabaseKind = 'sqlite' | 'postgres';
type LogLevel = 'info' | 'warn';
type Part = 'ceiling' | 'hello' | 'answer' | 'floor' | 'P1' | 'P2' | 'P3';

const CONNECTIONS = 50;
/**
 * P2 is the latency of a list, as one client sees it: with 50 connections a list that costs a few
 * milliseconds of the (synchronous) SQLite connection would measure the queue, not the list.
 */
const LIST_CONNECTIONS = 1;
const GENERATOR_HEADROOM = 2;
const settings = {
  durationS: envInt('BENCH_DURATION_S', 5),
  rounds: envInt('BENCH_ROUNDS', 3, 3),
  warmupS: envInt('BENCH_WARMUP_S', 1),
  tokens: envInt('BENCH_TOKENS', 100_000),
  databases: (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as DatabaseKind[],
  postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
  serverLogs: process.env.BENCH_SERVER_LOGS ?? null,
};
const onlyHotPath = process.argv.slice(2).includes('auth');
const LOG_LEVELS: LogLevel[] = ['info', 'warn'];
const DATABASE_NAMES: Record<DatabaseKind, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** The issue's targets, reported beside the figures (never asserted: the run's exit code ignores them). */
const GOALS = { logShareOfP1: 0.1, p1RatioSqlite: 0.8, p1RatioPostgres: 0.75, p1OfFloor: 0.9, p1P99Ms: 10, p2P99Ms: 20, p3SqlitePerS: 300, readyMs: 1500, rssIdleMb: 150, rssUnderLoadMb: 250 };

for (const database of settings.databases) {
  if (!(database in DATABASE_NAMES)) throw new Error(`BENCH_DATABASES: unknown database ${JSON.stringify(database)} (sqlite, postgres)`);
}
const wrk = wrkVersion();
if (!wrk) {
  console.error('wrk is not installed: it generates the load (a Node generator is too slow to measure Fastify). Install it with `apt-get install wrk`.');
  process.exit(1);
}
if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
  console.error('dist/ is missing: run `npm run build` first (`npm run bench` does).');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// The processes under test.

/** What an instance is loaded with: P1 (at `info` and at `warn`), or P2 and P3 (at `info`). */
type Role = 'P1' | 'lists';

interface Instance {
  database: DatabaseKind;
  logLevel: LogLevel;
  role: Role;
  /** `info` or `warn` for P1's instances, `lists` for the other: its name, its database's, its P4 entry. */
  slot: LogLevel | 'lists';
  url: string;
  seeded: SeededInstance;
  server: ServerProcess;
  /** RSS one second after ready: start-up's garbage is still held. */
  rssAfterStartBytes: number;
  /** RSS once idle for IDLE_SETTLE_MS, before any load: what an instance holds at rest. */
  rssIdleBytes: number | null;
  readyAtMs: number;
  peakRssUnderP1Bytes: number | null;
}

/**
 * How long an instance sits without load before its idle RSS is read. V8 keeps the young
 * generation it grew during start-up (32 MB) until its memory reducer runs, some seconds after
 * allocation has calmed down; 30 s leaves it time.
 */
const IDLE_SETTLE_MS = 30_000;

const scratch = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
if (settings.serverLogs) mkdirSync(settings.serverLogs, { recursive: true });
const logFile = (name: string) => (settings.serverLogs ? join(settings.serverLogs, `${name}.log`) : '/dev/null');

const postgresDatabaseUrl = (name: string) => {
  const url = new URL(settings.postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** Runs SQL on the PostgreSQL server's maintenance database; the result's rows. */
async function postgresAdmin(...statements: string[]): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: postgresDatabaseUrl('postgres') });
  await client.connect();
  try {
    let rows: unknown[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

const benchDatabases: string[] = [];

async function startInstance(database: DatabaseKind, logLevel: LogLevel, role: Role): Promise<Instance> {
  const slot = role === 'P1' ? logLevel : 'lists';
  const name = `${database}-${slot}`;
  const port = await freePort();
  const dataDir = join(scratch, name);
  // Only what an operator would set: nothing of the bench's own environment leaks in.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_SECRET: `bench-${Math.random().toString(36).slice(2)}`,
    TOLLGATE_INITIAL_ROOT_PASSWORD: 'bench-root-password',
    TOLLGATE_EXTERNAL_URL: `http://127.0.0.1:${port}`,
    ...(logLevel === 'info' ? {} : { TOLLGATE_LOG_LEVEL: logLevel }),
  };
  if (database === 'postgres') {
    const dbName = `tollgate_bench_${slot}`;
    await postgresAdmin(`drop database if exists ${dbName} with (force)`, `create database ${dbName}`);
    benchDatabases.push(dbName);
    env.TOLLGATE_DATABASE_URL = postgresDatabaseUrl(dbName);
  }
  const seeded = await seedInstance(env, settings.tokens);
  const url = `http://127.0.0.1:${port}`;
  const server = await startServer({
    name,
    command: process.execPath,
    args: [join(ROOT, 'bin/tollgate.js'), 'serve'],
    env,
    readinessUrl: `${url}/-/readiness`,
    stdoutFile: logFile(name),
    stderrFile: join(scratch, `${name}.stderr`),
  });
  const readyAtMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rssAfterStart = rssBytes(server.pid);
  console.log(
    `${name}: seeded ${settings.tokens} tokens in ${(seeded.seedMs / 1000).toFixed(1)} s; ready in ${Math.round(server.readyMs)} ms; RSS 1 s after ready ${mb(rssAfterStart)} MB`,
  );
  return { database, logLevel, role, slot, url, seeded, server, rssAfterStartBytes: rssAfterStart, rssIdleBytes: null, readyAtMs, peakRssUnderP1Bytes: null };
}

// ---------------------------------------------------------------------------------------------
// What is loaded.

interface Target {
  part: Part;
  /** Where it goes in the JSON: [part, database, variant]. */
  slot: [string, string, string] | null;
  label: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  script?: string;
  /** wrk's connections for this target (CONNECTIONS unless said). */
  connections?: number;
  instance?: Instance;
  /** The process that answers: its CPU time is read around each round. */
  pid: number;
  /** What a right answer looks like, checked once before the load: a reason when it is not. */
  check?: (status: number, body: string, headers: Headers) => string | null;
  rounds: Round[];
  failure: string | null;
}

/** A measured round: wrk's figures, and the CPU time the server spent per answer meanwhile. */
type Round = WrkResult & { cpuUsPerRequest: number };

const expectStatus = (status: number, body: string, wanted: number): string | null =>
  status === wanted ? null : `answered ${status} instead of ${wanted}: ${body.slice(0, 300)}`;

function listCheck(wanted: (rows: unknown[]) => boolean) {
  return (status: number, body: string, headers: Headers) => {
    const wrong = expectStatus(status, body, 200);
    if (wrong) return wrong;
    const rows = JSON.parse(body) as unknown[];
    if (!Array.isArray(rows) || !wanted(rows)) return `unexpected list: ${body.slice(0, 300)}`;
    // Past 10,000 records GitLab leaves X-Total out; X-Page is always there.
    return headers.get('x-page') ? null : 'no X-Page header';
  };
}

function targetsFor(instances: Instance[], references: Record<'hello' | 'ceiling' | 'answer' | 'floor', Reference>): Target[] {
  // A Tollgate target is answered by its instance's server; a reference says its own process.
  const target = (t: Omit<Target, 'rounds' | 'failure' | 'method' | 'pid'> & { method?: 'GET' | 'POST'; pid?: number }): Target => ({
    method: 'GET',
    ...t,
    pid: t.pid ?? t.instance!.server.pid,
    rounds: [],
    failure: null,
  });
  // The references beside P1 answer its route with the same header, so that the requests are alike.
  const p1Reference = (part: 'answer' | 'floor', slot: [string, string, string], label: string, { url, pid }: Reference) =>
    target({ part, slot, label, url: `${url}/api/v4/personal_access_tokens/self`, pid, headers: { 'PRIVATE-TOKEN': 'glpat-floor' }, check: (s, b) => expectStatus(s, b, 200) });
  const { hello, ceiling } = references;
  const targets: Target[] = [
    target({ part: 'hello', slot: null, label: 'hello: bare Fastify route', url: `${hello.url}/api/v4/version`, pid: hello.pid, headers: {}, check: (s, b) => expectStatus(s, b, 200) }),
    target({ part: 'ceiling', slot: null, label: 'generator ceiling: canned answers', url: `${ceiling.url}/api/v4/version`, pid: ceiling.pid, headers: {}, check: (s, b) => expectStatus(s, b, 200) }),
    p1Reference('answer', ['answer', 'none', 'none'], "P1's answer alone: bare Fastify + schema", references.answer),
    p1Reference('floor', ['floor', 'none', 'info'], 'floor under P1: Fastify + info log + schema, no checks', references.floor),
  ];
  for (const instance of instances.filter((i) => i.role === 'P1')) {
    const { database, logLevel, seeded } = instance;
    targets.push(
      target({
        part: 'P1',
        slot: ['p1', database, logLevel],
        label: `P1 self, group token, ${DATABASE_NAMES[database]}, ${logLevel}`,
        url: `${instance.url}/api/v4/personal_access_tokens/self`,
        headers: { 'PRIVATE-TOKEN': seeded.groupToken },
        instance,
        check: (status, body) => expectStatus(status, body, 200) ?? ((JSON.parse(body) as { id?: number }).id === seeded.groupTokenId ? null : `not the group token: ${body}`),
      }),
    );
  }
  if (onlyHotPath) return targets;
  for (const instance of instances.filter((i) => i.role === 'lists')) {
    const { database, seeded } = instance;
    const list = `${instance.url}/api/v4/groups/${seeded.groupId}/access_tokens`;
    const headers = { 'PRIVATE-TOKEN': seeded.rootToken };
    const lists = [
      { variant: 'default', query: '', check: listCheck((rows) => rows.length === 20) },
      { variant: 'search', query: `?search=${seeded.searchTerm}`, check: listCheck((rows) => rows.length > 0) },
      { variant: 'state', query: '?state=active', check: listCheck((rows) => rows.length === 20) },
    ];
    for (const { variant, query, check } of lists) {
      targets.push(
        target({ part: 'P2', slot: ['p2', database, variant], label: `P2 list${query ? ` ${query}` : ''}, ${DATABASE_NAMES[database]}, 1 client`, url: `${list}${query}`, headers, connections: LIST_CONNECTIONS, instance, check }),
      );
    }
    targets.push(
      target({
        part: 'P3',
        slot: ['p3', database, 'create'],
        label: `P3 create, ${DATABASE_NAMES[database]}`,
        method: 'POST',
        url: list,
        headers,
        script: join(ROOT, 'bench/create-group-token.lua'),
        instance,
      }),
    );
  }
  return targets;
}

async function checkAnswer(target: Target): Promise<void> {
  if (!target.check) return;
  const res = await fetch(target.url, { headers: target.headers });
  target.failure = target.check(res.status, await res.text(), res.headers);
}

async function load(target: Target, durationS: number): Promise<WrkResult> {
  const run = () => runWrk({ url: target.url, durationS, connections: target.connections ?? CONNECTIONS, headers: target.headers, ...(target.script ? { script: target.script } : {}) });
  const instance = target.instance;
  if (target.part !== 'P1' || !instance) return run();
  const { result, peakRssBytes } = await instance.server.peakRssDuring(run);
  instance.peakRssUnderP1Bytes = Math.max(instance.peakRssUnderP1Bytes ?? 0, peakRssBytes);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Figures.

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round2 = (n: number) => Math.round(n * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

interface Summary {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's CPU time per answer (all its threads, user and system). */
  cpuUsPerRequest: number;
  /** Answers that were not 2xx/3xx and socket errors, over every round. */
  errors: number;
}

function summarize(target: Target): Summary | null {
  if (target.rounds.length === 0) return null;
  return {
    reqPerSec: Math.round(median(target.rounds.map((r) => r.requestsPerSecond))),
    p50Ms: round2(median(target.rounds.map((r) => r.p50Ms))),
    p99Ms: round2(median(target.rounds.map((r) => r.p99Ms))),
    cpuUsPerRequest: round1(median(target.rounds.map((r) => r.cpuUsPerRequest))),
    errors: target.rounds.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0),
  };
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

interface LogCost {
  /** 1 − P1's rate at info / its rate at warn: the median over rounds of that round's pair. */
  throughputShare: number;
  perRound: number[];
  /** The two instances' CPU time per answer (their summaries'). */
  cpuUsPerRequest: { info: number; warn: number };
}

/**
 * What the request log costs P1, per database. Within a round the `info` and `warn` instances are
 * loaded one after the other, so each round gives a pair measured seconds apart: the median of the
 * pairs' shares is not moved by the machine's speed drifting between rounds, as a share of two
 * medians taken from different rounds would be.
 */
function logCostsOf(targets: Target[], summaries: Map<Target, Summary | null>): Record<string, LogCost> {
  const costs: Record<string, LogCost> = {};
  for (const database of settings.databases) {
    const p1 = (level: LogLevel) => targets.find((t) => t.part === 'P1' && t.instance?.database === database && t.instance.logLevel === level);
    const [info, warn] = [p1('info'), p1('warn')];
    if (!info || !warn || info.rounds.length === 0 || info.rounds.length !== warn.rounds.length) continue;
    const rates = (t: Target) => t.rounds.map((r) => r.requestsPerSecond);
    const shortfall = pairedShortfall(rates(info), rates(warn));
    const cpu = (t: Target) => summaries.get(t)!.cpuUsPerRequest;
    costs[database] = { throughputShare: round4(shortfall.median), perRound: shortfall.perRound.map(round4), cpuUsPerRequest: { info: cpu(info), warn: cpu(warn) } };
  }
  return costs;
}

/** The commit measured, and what the working tree changed on top of it (the build includes it). */
function gitCommit(): { commit: string; uncommittedChanges: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const changes = git('status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean);
  return { commit: git('rev-parse', 'HEAD').trim(), uncommittedChanges: changes.map((line) => line.trim()) };
}

async function machine() {
  const sqlite = new BetterSqlite3(':memory:');
  const sqliteVersion = (sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v;
  sqlite.close();
  const postgres = settings.databases.includes('postgres') ? ((await postgresAdmin('show server_version'))[0] as { server_version: string }).server_version : null;
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    memoryMb: mb(totalmem()),
    node: process.version,
    kernel: release(),
    wrk,
    sqlite: sqliteVersion,
    postgres,
  };
}

// ---------------------------------------------------------------------------------------------
// The run.

interface Reference {
  url: string;
  pid: number;
}

/** A reference server (bench/<script>.mjs, answering GET /api/v4/version) on a free port. */
async function startReference(name: string, script: string): Promise<Reference> {
  const port = await freePort();
  // A TypeScript reference (the answer and the floor share P1's answer; the floor, Tollgate's log writer) runs through tsx.
  const file = join(ROOT, `bench/${script}`);
  const args = existsSync(`${file}.ts`) ? ['--import', 'tsx', `${file}.ts`] : [`${file}.mjs`];
  const server = await startServer({
    name,
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH, PORT: String(port) },
    readinessUrl: `http://127.0.0.1:${port}/api/v4/version`,
    stdoutFile: '/dev/null',
    stderrFile: join(scratch, `${script}.stderr`),
  });
  references.push(server);
  return { url: `http://127.0.0.1:${port}`, pid: server.pid };
}

const instances: Instance[] = [];
const references: ServerProcess[] = [];
try {
  const referenceServers = {
    ceiling: await startReference('canned answers', 'canned-server'),
    hello: await startReference('bare Fastify', 'bare-server'),
    answer: await startReference("P1's answer alone", 'answer-server'),
    floor: await startReference('the floor under P1', 'floor-server'),
  };
  for (const database of settings.databases) {
    for (const logLevel of LOG_LEVELS) instances.push(await startInstance(database, logLevel, 'P1'));
    if (!onlyHotPath) instances.push(await startInstance(database, 'info', 'lists'));
  }
  // Every instance has started; none has been loaded yet. Idle RSS once the last has settled.
  const settleMs = Math.max(0, ...instances.map((i) => i.readyAtMs + IDLE_SETTLE_MS - performance.now()));
  console.log(`idle: ${Math.round(settleMs / 1000)} s until every instance has been idle ${IDLE_SETTLE_MS / 1000} s`);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  for (const i of instances) i.rssIdleBytes = rssBytes(i.server.pid);

  const targets = targetsFor(instances, referenceServers);
  for (const target of targets) await checkAnswer(target);
  const live = targets.filter((t) => t.failure === null);
  console.log(`\neach measurement follows ${settings.warmupS} s of the same load, not measured`);
  for (let round = 1; round <= settings.rounds; round++) {
    console.log(`round ${round}/${settings.rounds}: ${live.length} targets × ${settings.durationS} s`);
    for (const target of live) {
      // Each server sat idle while the others were loaded, and a Node server's first second of
      // load after an idle spell has a tail of its own (docs/performance.md): the figures are
      // those of a server under load, as the targets mean them.
      await load(target, settings.warmupS);
      const cpuBefore = cpuSeconds(target.pid);
      const result = await load(target, settings.durationS);
      const cpuUsPerRequest = result.requests > 0 ? ((cpuSeconds(target.pid) - cpuBefore) * 1e6) / result.requests : 0;
      target.rounds.push({ ...result, cpuUsPerRequest });
    }
  }

  // The generator check, then every figure.
  const summaries = new Map(targets.map((t) => [t, summarize(t)]));
  const hello = summaries.get(targets[0]!);
  if (!hello) throw new Error(`the bare route gave no figure: ${targets[0]!.failure}`);
  const ceiling = summaries.get(targets[1]!);
  if (!ceiling) throw new Error(`the canned-answer server gave no figure: ${targets[1]!.failure}`);
  const tollgateRates = targets.filter((t) => t.instance && summaries.get(t)).map((t) => ({ label: t.label, reqPerSec: summaries.get(t)!.reqPerSec }));
  const fastest = tollgateRates.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a), { label: 'none answered', reqPerSec: 0 });
  // wrk must outrun the bare route by far, so that the bare route (and anything slower) is the server's limit.
  const headroom = ceiling.reqPerSec / hello.reqPerSec;
  const generatorValid = headroom >= GENERATOR_HEADROOM;
  const ratio = (s: Summary | null) => (s && generatorValid ? round2(s.reqPerSec / hello.reqPerSec) : null);
  // The hot path (and its references) compares with the hello rate; a list (one client) or a create (four inserts) does not.
  const comparable = (t: Target) => t.part === 'P1' || t.part === 'floor' || t.part === 'answer';
  const floor = summaries.get(targets.find((t) => t.part === 'floor')!) ?? null;
  // P1 against the floor needs wrk to outrun the floor (not the bare route) by as much.
  const floorRatio = (s: Summary | null) => (s && floor && ceiling.reqPerSec >= GENERATOR_HEADROOM * floor.reqPerSec ? round2(s.reqPerSec / floor.reqPerSec) : null);

  const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
  const rows = targets.map((t) => {
    const s = summaries.get(t);
    if (!s) return [t.label, 'FAILED', '', '', '', '', '', t.failure ?? ''];
    const note = s.errors > 0 ? `${s.errors} errors (non-2xx or socket)` : '';
    const shownRatio = t.part === 'hello' ? '1.00' : t.part === 'ceiling' || !comparable(t) ? '' : generatorValid ? ratio(s)!.toFixed(2) : 'INVALID';
    const shownFloorRatio = t.part !== 'P1' ? '' : (floorRatio(s)?.toFixed(2) ?? 'INVALID');
    return [t.label, String(s.reqPerSec), shownRatio, shownFloorRatio, ms(s.p50Ms), ms(s.p99Ms), s.cpuUsPerRequest.toFixed(1), note];
  });
  const header = ['target', 'req/s', '× bare', '× floor', 'p50', 'p99', 'CPU µs/req', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(`\nTollgate as shipped (\`tollgate serve\`), ${settings.tokens} group access tokens stored, wrk -t1 -c${CONNECTIONS};`);
  console.log(`median of ${settings.rounds} alternating rounds of ${settings.durationS} s\n`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(
    `\ngenerator check: wrk drove canned answers at ${ceiling.reqPerSec} req/s = ${headroom.toFixed(2)}× the bare route (${hello.reqPerSec} req/s); ` +
      (generatorValid ? `valid (at least ${GENERATOR_HEADROOM}×: the bare route and every Tollgate route measure the server)` : `INVALID: below ${GENERATOR_HEADROOM}×, the ratios would measure wrk, not the servers`),
  );
  if (floor) {
    const floorHeadroom = ceiling.reqPerSec / floor.reqPerSec;
    console.log(`against the floor: ${floorHeadroom.toFixed(2)}× the floor (${floor.reqPerSec} req/s): ${floorHeadroom >= GENERATOR_HEADROOM ? 'valid' : 'INVALID'} for × floor`);
  }
  const logCosts = logCostsOf(targets, summaries);
  for (const [database, cost] of Object.entries(logCosts)) {
    console.log(
      `the log at info, ${DATABASE_NAMES[database as DatabaseKind]}: ${percent(cost.throughputShare)} of P1's throughput against warn ` +
        `(median of the ${cost.perRound.length} rounds' pairs: ${cost.perRound.map(percent).join(', ')}); CPU per answer ${cost.cpuUsPerRequest.info} µs at info, ${cost.cpuUsPerRequest.warn} µs at warn`,
    );
  }
  console.log('');
  for (const i of instances) {
    const underLoad = i.peakRssUnderP1Bytes === null ? 'n/a' : `${mb(i.peakRssUnderP1Bytes)} MB`;
    console.log(`P4 ${DATABASE_NAMES[i.database]}, ${i.role === 'P1' ? i.logLevel : 'info (P2, P3)'}: ready ${Math.round(i.server.readyMs)} ms, RSS 1 s after ready ${mb(i.rssAfterStartBytes)} MB, RSS idle ${i.rssIdleBytes === null ? '–' : mb(i.rssIdleBytes)} MB, RSS under P1 load ${underLoad}`);
  }

  // Where each figure goes in the JSON, and the issue's goals beside them.
  const sections: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const t of targets) {
    if (!t.slot) continue;
    const [part, database, variant] = t.slot;
    const s = summaries.get(t);
    ((sections[part] ??= {})[database] ??= {})[variant] = {
      method: t.method,
      path: new URL(t.url).pathname + new URL(t.url).search,
      ...(s ? { ...s, ...(comparable(t) ? { ratioToBare: ratio(s) } : {}), ...(t.part === 'P1' ? { ratioToFloor: floorRatio(s) } : {}) } : { failure: t.failure }),
      rounds: t.rounds.map((r) => ({ reqPerSec: Math.round(r.requestsPerSecond), p50Ms: round2(r.p50Ms), p99Ms: round2(r.p99Ms), cpuUsPerRequest: round1(r.cpuUsPerRequest), non2xx: r.non2xx, socketErrors: r.socketErrors })),
    };
  }
  const p4: Record<string, Record<string, unknown>> = {};
  for (const i of instances) {
    (p4[i.database] ??= {})[i.slot] = {
      readyMs: Math.round(i.server.readyMs),
      rssAfterStartMb: mb(i.rssAfterStartBytes),
      rssIdleMb: i.rssIdleBytes === null ? null : mb(i.rssIdleBytes),
      rssUnderP1LoadMb: i.peakRssUnderP1Bytes === null ? null : mb(i.peakRssUnderP1Bytes),
      seedS: round2(i.seeded.seedMs / 1000),
    };
  }
  const goals: { goal: string; figure: number | null; met: boolean | null }[] = [];
  const goal = (text: string, figure: number | null, met: (n: number) => boolean) => goals.push({ goal: text, figure, met: figure === null ? null : met(figure) });
  for (const t of targets) {
    // A target whose answers were errors has no figure to compare.
    const measured = summaries.get(t) ?? null;
    const s = measured && measured.errors === 0 && measured.reqPerSec > 0 ? measured : null;
    const database = t.instance?.database;
    if (t.part === 'P1' && t.instance?.logLevel === 'info') {
      const minimum = database === 'sqlite' ? GOALS.p1RatioSqlite : GOALS.p1RatioPostgres;
      goal(`${t.label}: ≥ ${minimum}× bare`, ratio(s), (n) => n >= minimum);
      goal(`${t.label}: ≥ ${GOALS.p1OfFloor}× the floor (decision 0006)`, floorRatio(s), (n) => n >= GOALS.p1OfFloor);
      goal(`${t.label}: p99 < ${GOALS.p1P99Ms} ms`, s?.p99Ms ?? null, (n) => n < GOALS.p1P99Ms);
    }
    if (t.part === 'P2') goal(`${t.label}: p99 < ${GOALS.p2P99Ms} ms`, s?.p99Ms ?? null, (n) => n < GOALS.p2P99Ms);
    if (t.part === 'P3' && database === 'sqlite') goal(`${t.label}: ≥ ${GOALS.p3SqlitePerS}/s`, s?.reqPerSec ?? null, (n) => n >= GOALS.p3SqlitePerS);
  }
  for (const [database, cost] of Object.entries(logCosts)) {
    goal(`the log at info, ${DATABASE_NAMES[database as DatabaseKind]}: ≤ ${percent(GOALS.logShareOfP1)} of P1's throughput`, cost.throughputShare, (n) => n <= GOALS.logShareOfP1);
  }
  for (const i of instances.filter((x) => x.role === 'P1' && x.logLevel === 'info')) {
    const name = `P4 ${DATABASE_NAMES[i.database]}`;
    goal(`${name}: ready < ${GOALS.readyMs} ms`, Math.round(i.server.readyMs), (n) => n < GOALS.readyMs);
    goal(`${name}: RSS idle < ${GOALS.rssIdleMb} MB`, i.rssIdleBytes === null ? null : mb(i.rssIdleBytes), (n) => n < GOALS.rssIdleMb);
    goal(`${name}: RSS under P1 load < ${GOALS.rssUnderLoadMb} MB`, i.peakRssUnderP1Bytes === null ? null : mb(i.peakRssUnderP1Bytes), (n) => n < GOALS.rssUnderLoadMb);
  }
  console.log('\ngoals of issue 11 (reported, not enforced):');
  for (const g of goals) console.log(`  ${g.met === null ? 'n/a    ' : g.met ? 'met    ' : 'NOT met'}  ${g.goal} (${g.figure ?? 'no figure'})`);

  const results = {
    generatedAt: new Date().toISOString(),
    ...gitCommit(),
    parts: onlyHotPath ? ['hello', 'answer', 'floor', 'P1', 'P4'] : ['hello', 'answer', 'floor', 'P1', 'P2', 'P3', 'P4'],
    machine: await machine(),
    method: {
      server: '`node bin/tollgate.js serve`, default settings; TOLLGATE_LOG_LEVEL unset (info) or warn; stdout to /dev/null',
      generator: `wrk -t1 -c${CONNECTIONS} --latency`,
      durationS: settings.durationS,
      rounds: settings.rounds,
      warmupS: settings.warmupS,
      tokensStored: settings.tokens,
      figures: "medians over the rounds of req/s, p50, p99 and the server's CPU µs per answer; rounds alternate between targets; the log's cost is the median of each round's info/warn pair; P2 and P3 load an instance of their own",
    },
    hello: { path: '/api/v4/version', ...hello, rounds: targets[0]!.rounds.map((r) => Math.round(r.requestsPerSecond)) },
    generatorCheck: { ceilingReqPerSec: ceiling.reqPerSec, helloReqPerSec: hello.reqPerSec, fastestTollgate: fastest, factor: round2(headroom), required: GENERATOR_HEADROOM, valid: generatorValid },
    ...sections,
    logCost: logCosts,
    p4,
    goals,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  // A partial run must not overwrite the full figures that docs/performance.md quotes.
  const resultsFile = join(ROOT, 'bench/results', onlyHotPath ? 'latest-auth.json' : 'latest.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nfigures: ${resultsFile.slice(ROOT.length)}`);

  const failed = targets.filter((t) => t.failure !== null || (summaries.get(t)?.errors ?? 0) > 0);
  for (const t of failed) console.error(`FAILED: ${t.label}: ${t.failure ?? `${summaries.get(t)!.errors} answers were errors`}`);
  if (failed.length > 0 || !generatorValid) process.exitCode = 1;
} finally {
  for (const instance of instances) await instance.server.stop();
  for (const reference of references) await reference.stop();
  if (benchDatabases.length > 0) await postgresAdmin(...benchDatabases.map((name) => `drop database if exists ${name} with (force)`));
  rmSync(scratch, { recursive: true, force: true });
}
