// Git over HTTP: `git clone` of a 500-commit repository through Tollgate (Basic auth with a group
// access token, authorisation, the CGI bridge) against the same clone through a plain
// `git http-backend` behind a bare Node HTTP server, measured side by side in one run.
// Target: Tollgate's overhead under 10%.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { locateHttpBackend, type HttpBackendCommand } from '../src/http/git/http-backend.js';
import { repositoriesRoot } from '../src/services/repositories.js';
import { makeGroup, makeUser } from '../test/support/factories.js';
import { gitClientEnv, gitUrl, makeGroupToken, makeRepositoryProject, runGit, scratchDir, seedHistory } from '../test/support/git-factories.js';
import { startServer } from '../test/support/server.js';
import { median } from './support/figures.js';

const ROUNDS = Number(process.env.BENCH_GIT_ROUNDS ?? 25);
const COMMITS = 500;

/**
 * The baseline: what anyone would write to put git http-backend on the network, and nothing more.
 * It starts the same git-http-backend executable as Tollgate, so the ratio is Tollgate's own work.
 */
function plainHttpBackend(projectRoot: string, command: HttpBackendCommand) {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const [pathInfo, query = ''] = (req.url ?? '/').split('?');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: pathInfo!,
      QUERY_STRING: query,
      REQUEST_METHOD: req.method ?? 'GET',
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      ...(req.headers['content-type'] ? { CONTENT_TYPE: req.headers['content-type'] } : {}),
      ...(typeof req.headers['git-protocol'] === 'string' ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
    };
    const child = spawn(command.file, command.args, { env });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      child.stdout.off('data', onData);
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const [name, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (name!.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name!, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
      child.stdout.pipe(res);
    };
    child.stdout.on('data', onData);
  });
}

const data = scratchDir('tollgate-bench-data-');
const home = scratchDir('tollgate-bench-client-');
const env = gitClientEnv(home.path);
const s = await startServer('sqlite', { now: new Date().toISOString(), config: { dataDir: data.path } });
const plain = plainHttpBackend(repositoriesRoot(s.ctx.config), await locateHttpBackend());
try {
  const group = await makeGroup(s, await makeUser(s));
  const { project, path } = await makeRepositoryProject(s, group);
  await seedHistory(path, { commits: COMMITS, env });
  const { token } = await makeGroupToken(s, group, { scopes: ['read_repository'] });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  const repository = `${group.full_path}/${project.path}.git`;

  const targets = {
    tollgate: gitUrl(s.url, repository, { token }),
    plain: gitUrl(plainUrl, repository),
  };
  let n = 0;
  const cloneMs = async (url: string) => {
    const dest = join(home.path, `clone-${++n}`);
    const started = performance.now();
    const result = await runGit(['clone', '--quiet', url, dest], { env });
    const elapsed = performance.now() - started;
    if (result.code !== 0) throw new Error(`clone failed: ${result.stderr}`);
    rmSync(dest, { recursive: true, force: true });
    return elapsed;
  };

  for (let i = 0; i < 2; i++) for (const url of Object.values(targets)) await cloneMs(url); // warm-up
  const times = { tollgate: [] as number[], plain: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so drift on a shared machine hits both alike.
    const order = round % 2 === 0 ? (['tollgate', 'plain'] as const) : (['plain', 'tollgate'] as const);
    for (const name of order) times[name].push(await cloneMs(targets[name]));
  }
  const tollgate = median(times.tollgate);
  const baseline = median(times.plain);
  const overhead = (tollgate / baseline - 1) * 100;
  console.log(`git clone of a ${COMMITS}-commit repository, median of ${ROUNDS} rounds each`);
  console.log(`plain git http-backend behind node:http   ${baseline.toFixed(1).padStart(8)} ms`);
  console.log(`Tollgate (token auth + authorisation)     ${tollgate.toFixed(1).padStart(8)} ms`);
  console.log(`ratio ${(tollgate / baseline).toFixed(3)}× — overhead ${overhead.toFixed(1)}% (target: under 10%${overhead < 10 ? ', met' : ', NOT met'})`);
} finally {
  plain.close();
  await s.close();
  data.remove();
  home.remove();
}
