#!/usr/bin/env node
// `npm run bench`: builds, then runs every benchmark in bench/ (or those named) one after another.
// A word names bench files (`npm run bench -- git-clone`) or a part of one: `auth` is the hot path
// of bench/serve.bench.ts (the hello rate and P1) alone.
// Benchmarks print ratios measured side by side in one run; these machines are shared and noisy.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const PARTS = { auth: 'serve.bench.ts' };

const wanted = process.argv.slice(2);
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const runs = wanted.length === 0 ? files.map((file) => ({ file, args: [] })) : [];
for (const word of wanted) {
  if (PARTS[word]) runs.push({ file: PARTS[word], args: [word] });
  else runs.push(...files.filter((f) => f.includes(word)).map((file) => ({ file, args: [] })));
}
if (runs.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}: bench/*.bench.ts are ${files.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`);
  process.exit(1);
}

// The servers under test run from dist/, as shipped: build what is in the tree now.
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

let failed = false;
for (const { file, args } of runs) {
  console.log(`\n=== bench/${file}${args.length ? ` (${args.join(' ')})` : ''}`);
  const result = spawnSync('npx', ['tsx', `bench/${file}`, ...args], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
