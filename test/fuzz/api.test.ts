import { describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { fuzzApi } from './api-fuzz.js';

/**
 * Issue 14, item 2: property-based fuzzing of every route of the OpenAPI document against a
 * listening server (test/fuzz/api-fuzz.ts holds the invariants). `npm test` sends a fixed seed's
 * requests; `npm run fuzz -- --runs N --seed S` (scripts/fuzz.mjs) sends more, or replays a
 * failure with the seed fast-check printed.
 */
const RUNS = Number(process.env.TOLLGATE_FUZZ_RUNS || 1_500);
const SEED = Number(process.env.TOLLGATE_FUZZ_SEED || 14);
/** The fixed run takes about 15 s per database on a 2-core machine; a longer one gets the time it needs. */
const TIMEOUT_MS = Math.max(120_000, RUNS * 100);

describe.each(TEST_DIALECTS)('API fuzzing (%s)', (dialect) => {
  it(`${RUNS} generated requests, seed ${SEED}: no 5xx, no slow answer, refusals in GitLab's shape that change nothing`, { timeout: TIMEOUT_MS }, async () => {
    const { statuses } = await fuzzApi({ dialect, runs: RUNS, seed: SEED });
    if (process.env.TOLLGATE_FUZZ_RUNS) console.log(`${dialect}: answers by status ${JSON.stringify(statuses)}`);
    // The requests reached handlers and got every kind of answer, successes included.
    const count = (from: number, to: number) => Object.entries(statuses).reduce((sum, [status, n]) => (Number(status) >= from && Number(status) < to ? sum + n : sum), 0);
    expect(count(200, 300), JSON.stringify(statuses)).toBeGreaterThan(RUNS / 20);
    expect(count(400, 500), JSON.stringify(statuses)).toBeGreaterThan(RUNS / 4);
  });
});
