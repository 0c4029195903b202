import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/server.js';

/**
 * Real parts for the forward-auth acceptance test: Debian's nginx started as a process with a
 * generated configuration (the shape docs/forward-auth.md gives operators), and a tiny protected
 * upstream that echoes the X-Tollgate-* headers it received.
 */

export const NGINX = '/usr/sbin/nginx';

export function nginxInstalled(): boolean {
  try {
    accessSync(NGINX, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** One protected location: its path prefix and the forward-auth query its auth subrequest sends. */
export interface ProtectedLocation {
  prefix: string;
  query: string;
}

const IDENTITY = ['user_id', 'username', 'token_id', 'scopes', 'access_level'] as const;
const headerName = (name: string) => `X-Tollgate-${name.split('_').map((part) => part[0]!.toUpperCase() + part.slice(1)).join('-')}`;

/** The configuration docs/forward-auth.md shows, one auth location per protected location. */
function nginxConfig(dir: string, port: number, tollgateUrl: string, upstreamUrl: string, locations: ProtectedLocation[]): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(dir, kind)};`).join('\n');
  const server = locations
    .map(({ prefix, query }, i) => {
      const auth = `/_tollgate_auth_${i}`;
      const identity = IDENTITY.map((name) => `        auth_request_set $tollgate_${name} $upstream_http_x_tollgate_${name};\n        proxy_set_header ${headerName(name)} $tollgate_${name};`).join('\n');
      return `
    location = ${auth} {
        internal;
        proxy_pass ${tollgateUrl}/-/forward-auth?${query};
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Forwarded-For $remote_addr;
    }
    location ${prefix} {
        auth_request ${auth};
${identity}
        proxy_pass ${upstreamUrl};
    }`;
    })
    .join('\n');
  // Started as root (a CI container), the workers would switch to nobody: keep them as the caller.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
${temp}
    server {
        listen 127.0.0.1:${port};
${server}
    }
}
`;
}

export interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

async function waitForPort(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nginx did not answer at ${url}: ${stderr()}`);
}

/** nginx in the foreground, as the current user, on a free port; its files in a temp dir of its own. */
export async function startNginx(tollgateUrl: string, upstreamUrl: string, locations: ProtectedLocation[]): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, tollgateUrl, upstreamUrl, locations));
  const child = spawn(NGINX, ['-p', dir, '-e', 'stderr', '-c', conf, '-g', `daemon off; pid ${join(dir, 'nginx.pid')}; error_log stderr;`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForPort(url, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EchoUpstream {
  url: string;
  /** Requests that reached it: a refusal must never get here. */
  hits: number;
  close(): Promise<void>;
}

/** The protected service: answers with the method and the X-Tollgate-* headers it was sent. */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const upstream = { hits: 0 } as EchoUpstream;
  const server: Server = createServer((req, res) => {
    upstream.hits += 1;
    const identity = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('x-tollgate-')));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url, identity }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  upstream.url = `http://127.0.0.1:${address.port}`;
  upstream.close = () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return upstream;
}

export interface ClientResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every WWW-Authenticate line, as sent. */
  challenges: string[];
  body: string;
}

/** A request to nginx from a given loopback address (127.0.0.x stands for different clients). */
export function send(baseUrl: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string; localAddress?: string }): Promise<ClientResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, localAddress: options.localAddress, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, challenges: rawValues(res.rawHeaders, 'www-authenticate'), body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function rawValues(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values;
}
