#!/usr/bin/env node
// `npm run fuzz -- --runs N --seed S [--postgres]`: the API fuzzer of test/fuzz/api.test.ts with
// more requests than `npm test` sends, or replaying a failure with the seed fast-check printed.
// Without --seed, a new one each time (printed). SQLite, and PostgreSQL too with --postgres
// (TOLLGATE_TEST_POSTGRES_URL, or the local default).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    seed: { type: 'string', default: String(Math.floor(Math.random() * 2 ** 31)) },
    postgres: { type: 'boolean', default: false },
  },
});
for (const name of ['runs', 'seed']) {
  if (!/^\d+$/.test(values[name])) {
    console.error(`--${name} takes a whole number, not ${JSON.stringify(values[name])}`);
    process.exit(2);
  }
}
console.log(`Fuzzing the API: ${values.runs} requests per database, seed ${values.seed}.`);
const env = {
  ...process.env,
  TOLLGATE_FUZZ_RUNS: values.runs,
  TOLLGATE_FUZZ_SEED: values.seed,
  TOLLGATE_TEST_POSTGRES_URL: values.postgres ? process.env.TOLLGATE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test' : '',
};
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz/api.test.ts'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
