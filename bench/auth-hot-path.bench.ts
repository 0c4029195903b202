// The hot path: every API call and git request authenticates a token. Compares, in one run and
// one process, a bare Fastify route with Tollgate routes behind token authentication, on SQLite.
// Requests go through fastify.inject, so the numbers are handler cost without socket noise.
import Fastify from 'fastify';
import { createHarness } from '../test/support/harness.js';
import { makePat } from '../test/support/factories.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const CONCURRENCY = 16;

async function measure(name: string, send: () => Promise<{ statusCode: number }>, expected: number) {
  for (let i = 0; i < 500; i++) await send(); // warm-up
  let count = 0;
  const deadline = performance.now() + DURATION_MS;
  const worker = async () => {
    while (performance.now() < deadline) {
      const res = await send();
      if (res.statusCode !== expected) throw new Error(`${name}: status ${res.statusCode}`);
      count++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const perSecond = count / ((performance.now() - started) / 1000);
  return { name, perSecond };
}

const bare = Fastify();
bare.get('/api/v4/version', async () => ({ version: '18.7.0', revision: 'bare' }));
await bare.ready();

const h = await createHarness('sqlite', { now: new Date().toISOString() });
const { token } = await makePat(h, h.root, { scopes: ['api'] });

const results = [
  await measure('bare Fastify route', () => bare.inject({ method: 'GET', url: '/api/v4/version' }), 200),
  await measure('Tollgate GET /version, token authenticated', () => h.app.inject({ method: 'GET', url: '/api/v4/version', headers: { 'private-token': token } }), 200),
  await measure('Tollgate GET /user, token authenticated', () => h.app.inject({ method: 'GET', url: '/api/v4/user', headers: { 'private-token': token } }), 200),
  await measure('Tollgate malformed token, refused before I/O', () => h.app.inject({ method: 'GET', url: '/api/v4/version', headers: { 'private-token': 'glpat-not-a-token' } }), 401),
];
const baseline = results[0]!.perSecond;
for (const r of results) console.log(`${r.name.padEnd(48)} ${Math.round(r.perSecond).toString().padStart(7)} req/s  ${(r.perSecond / baseline).toFixed(2)}× bare`);
await bare.close();
await h.close();
