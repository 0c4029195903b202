#!/usr/bin/env node
// Builds the server and console into dist/cli/: src/cli/main.ts and everything it imports,
// dependencies included, bundled by esbuild into a few files (docs/decisions/0005-bundled-server.md).
// Node loads one file in a few milliseconds where it took ~0.6 s to resolve and compile the
// ~1,500 modules of the unbundled tree: every console command and every start pays that.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
mkdirSync(dist, { recursive: true });
// Everything but the web UI's build (dist/web, Vite's) is this script's: no file of an older
// layout stays behind to be loaded by mistake.
for (const entry of readdirSync(dist)) {
  if (entry !== 'web' && !entry.startsWith('.')) rmSync(new URL(entry, dist), { recursive: true, force: true });
}

await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/cli',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // What is loaded only for some commands (the HTTP app for `serve`, the registry's JWT and key
  // code) is imported dynamically in the source and becomes a file of its own here.
  splitting: true,
  // Native addons (and pg's optional one) load from node_modules at run time.
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __tollgateRequire } from 'node:module'; const require = __tollgateRequire(import.meta.url);" },
  define: { __TOLLGATE_BUNDLE__: 'true' },
  // Not minified, so stack traces keep the functions' names (esbuild's keepNames would wrap every
  // closure made at run time in a defineProperty call: 5% of the CPU of an authenticated request).
  // The source map maps them to src/ with NODE_OPTIONS=--enable-source-maps.
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
