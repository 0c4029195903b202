#!/usr/bin/env node
// `npm test`: type-check, build (the console tests run the built CLI), then the whole suite with
// every store test on SQLite and, when a server answers, on PostgreSQL. Never skips silently.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const url = process.env.TOLLGATE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const shown = url.replace(/\/\/[^@/]*@/, '//…@');

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function postgresAnswers() {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    console.error(`PostgreSQL at ${shown}: ${error.message}`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const postgres = await postgresAnswers();
let banner;
if (postgres) {
  banner = `Database passes: SQLite and PostgreSQL (${shown}).`;
} else if (process.env.CI) {
  console.error(`CI must run the PostgreSQL pass, but no PostgreSQL answered at ${shown}.`);
  process.exit(1);
} else {
  banner = `Database passes: SQLite only. SKIPPED the PostgreSQL pass: no server answered at ${shown} (set TOLLGATE_TEST_POSTGRES_URL).`;
}
console.log(banner);

run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('npx', ['tsc', '-p', 'web/tsconfig.json', '--noEmit']);
run('node', ['scripts/build-server.mjs']);
run('npx', ['vite', 'build', '--config', 'web/vite.config.ts']);
const env = { ...process.env, ...(postgres ? { TOLLGATE_TEST_POSTGRES_URL: url } : {}) };
const args = ['vitest', 'run', ...process.argv.slice(2)];
const result = spawnSync('npx', args, { stdio: 'inherit', env });
console.log(banner);
process.exit(result.status ?? 1);
