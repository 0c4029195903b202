#!/usr/bin/env node
// npm runs `prepare` on every install. A development install builds dist/ (server and web UI). A
// production install (`npm ci --omit=dev`) has no compiler: it runs the dist/ built beforehand with
// `npm ci && npm run build` and shipped beside it (docs/operator-guide.md, "Installing").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const hasCompiler = existsSync(new URL('node_modules/typescript/package.json', root));
const built = existsSync(new URL('dist/cli/main.js', root)) && existsSync(new URL('dist/web/index.html', root));

if (!hasCompiler) {
  if (built) process.exit(0);
  console.error('tollgate: this install has no build tools (npm ci --omit=dev) and no dist/ to run.');
  console.error('Build once where the dev dependencies are installed (npm ci && npm run build), then ship dist/ with the code.');
  process.exit(1);
}
const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
