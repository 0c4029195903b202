import fc from 'fast-check';
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESSION_COOKIE } from '../../src/http/plugins/auth.js';
import type { Dialect } from '../../src/store/database.js';
import { createHarness } from '../support/harness.js';
import { changedTables, databaseDigest } from './database-digest.js';
import { fuzzRequests, operationsOf, percentEncoded, type Body, type Credentials, type FuzzRequest } from './requests.js';
import { FuzzWorld, type Credential } from './world.js';

/** Issue 14: the slowest answer the API may give to anything. */
export const MAX_ANSWER_MS = 1_000;
/** A request with no answer by then is reported as such (and is a failure). */
const GIVE_UP_MS = 10_000;

export interface FuzzOptions {
  dialect: Dialect;
  runs: number;
  seed: number;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
  ms: number;
}

/**
 * Sends `runs` generated requests (test/fuzz/requests.ts) to a listening server over real HTTP,
 * as the callers of test/fuzz/world.ts, and holds every answer to the invariants of issue 14: no
 * 5xx, none slower than MAX_ANSWER_MS, every 4xx a JSON object with `message` or `error`, and a
 * refused request leaves every table as it was (test/fuzz/database-digest.ts). fast-check stops
 * at the first failure and prints the request and the seed that replays the run; shrinking is
 * off, since each request runs against what the ones before it left.
 */
export async function fuzzApi({ dialect, runs, seed }: FuzzOptions): Promise<{ statuses: Record<number, number> }> {
  // The container registry's token endpoint answers only when a registry is configured.
  const h = await createHarness(dialect, { config: { registryUrl: 'https://registry.test' } });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const world = await FuzzWorld.create(h);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const operations = operationsOf(h.app.swagger() as Parameters<typeof operationsOf>[0]);
    const byKey = new Map(operations.map((op) => [op.key, op]));
    const statuses: Record<number, number> = {};
    let digest = await databaseDigest(h);

    await fc.assert(
      fc.asyncProperty(fuzzRequests(operations, world.values()), async (generated) => {
        const op = byKey.get(generated.op)!;
        const sent = materialise(generated, op.method, op.path, world);
        const answer = await send(agent, port, sent);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        const before = digest;
        digest = await databaseDigest(h);
        const fail = (problem: string, ms = `${answer.ms} ms`) => {
          throw new Error(`${problem}\n  request: ${sent.description}\n  answer: ${answer.status} in ${ms}, ${answer.contentType}: ${answer.body.slice(0, 500)}`);
        };
        const problem = violation(answer, op.path, before, digest);
        if (problem) fail(problem);
        if (answer.ms > MAX_ANSWER_MS) {
          // A machine busy with other work stalls a request now and then; a slow answer is slow every
          // time. A request that changed nothing is sent twice more, and counts as slow if all three were.
          const times = [answer.ms];
          if (answer.status >= 400 || op.method === 'GET') for (let i = 0; i < 2; i++) times.push((await send(agent, port, sent)).ms);
          if (Math.min(...times) > MAX_ANSWER_MS) fail(`an answer after more than ${MAX_ANSWER_MS} ms`, `${times.join(', ')} ms`);
          digest = await databaseDigest(h);
        }
        if (answer.status < 400 && op.method !== 'GET') {
          await world.heal();
          digest = await databaseDigest(h);
        }
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    return { statuses };
  } finally {
    agent.destroy();
    await h.close();
  }
}

/** What is wrong with the answer (its time aside), or null. */
function violation(answer: Answer, path: string, before: Record<string, string>, after: Record<string, string>): string | null {
  if (answer.status >= 500) return `a ${answer.status}`;
  if (answer.status < 400) return null;
  if (!gitLabErrorShape(answer, path)) return 'a refusal not in GitLab\'s shape (a JSON object with "message" or "error"; the registry\'s token endpoint: "errors")';
  const changed = changedTables(before, after);
  return changed.length ? `a refused request that changed ${changed.join(', ')}` : null;
}

function gitLabErrorShape(answer: Answer, path: string): boolean {
  // GitLab's `head :not_found` for a service other than the container registry's.
  if (path === '/jwt/auth' && answer.status === 404 && answer.body === '') return true;
  if (!answer.contentType.startsWith('application/json')) return false;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return false;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const { message, error, errors } = body as { message?: unknown; error?: unknown; errors?: unknown };
  // GitLab's JwtController also answers as the Docker token specification says: {"errors": [{"code", "message"}]}.
  const dockerErrors = path === '/jwt/auth' && Array.isArray(errors) && errors.length > 0 && errors.every((e: { code?: unknown; message?: unknown }) => typeof e?.code === 'string' && typeof e.message === 'string');
  return dockerErrors || typeof error === 'string' || typeof message === 'string' || (typeof message === 'object' && message !== null && !Array.isArray(message));
}

interface SentRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer | null;
  localAddress: string;
  /** The request with every credential replaced by whose it is: what a failure prints. */
  description: string;
}

/** The generated request with the caller's real credential in it (and a description without). */
function materialise(generated: FuzzRequest, method: string, template: string, world: FuzzWorld): SentRequest {
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => generated.path[name] ?? '');
  const presented = present(generated.credentials, world);
  const query = [generated.query, presented.query].filter(Boolean).join('&');
  const body = bodyBytes(generated.body);
  const headers: OutgoingHttpHeaders = { ...generated.headers, ...presented.headers, ...(body ? { 'content-type': body.contentType, 'content-length': body.bytes.length } : {}) };
  const shownQuery = [generated.query, presented.query ? 'private_token=[credential]' : ''].filter(Boolean).join('&');
  const shownBody = body ? ` ${body.contentType} ${body.bytes.length > 300 ? `(${body.bytes.length} bytes) ` : ''}${body.bytes.subarray(0, 300).toString()}` : '';
  return {
    method,
    path: query ? `${path}?${query}` : path,
    headers,
    body: body?.bytes ?? null,
    localAddress: `127.0.0.${generated.client}`,
    description:
      `${method} ${path}${shownQuery ? `?${shownQuery}` : ''} as ${generated.credentials.caller} ` +
      `(${generated.credentials.via}, ${JSON.stringify(generated.credentials.mangle)}) from 127.0.0.${generated.client}, ` +
      `headers ${JSON.stringify(generated.headers)}${shownBody}`,
  };
}

function mangled(secret: string, mangle: Credentials['mangle']): string {
  if (typeof mangle === 'object') return mangle.junk;
  switch (mangle) {
    case 'none':
      return secret;
    case 'truncated':
      return secret.slice(0, -1);
    case 'extended':
      return `${secret}a`;
    case 'upper-case':
      return secret.toUpperCase();
    case 'padded':
      return ` ${secret}\t`;
    case 'empty':
      return '';
    case 'huge':
      return secret + 'a'.repeat(8_000);
  }
}

function present({ caller, via, mangle }: Credentials, world: FuzzWorld): { headers: Record<string, string>; query: string } {
  const credential: Credential = world.credentialOf(caller);
  if (credential.kind === 'none') return { headers: {}, query: '' };
  if (credential.kind === 'session') {
    const csrf: Record<string, string> = via === 'csrf' ? { 'x-csrf-token': credential.csrfToken } : via === 'wrong-csrf' ? { 'x-csrf-token': 'x'.repeat(credential.csrfToken.length) } : {};
    return { headers: { cookie: `${SESSION_COOKIE}=${mangled(credential.cookie, mangle)}`, ...csrf }, query: '' };
  }
  const secret = mangled(credential.token, mangle);
  switch (via) {
    case 'bearer':
      return { headers: { authorization: `Bearer ${secret}` }, query: '' };
    case 'basic':
      return { headers: { authorization: `Basic ${Buffer.from(`${caller}:${secret}`, 'latin1').toString('base64')}` }, query: '' };
    case 'query':
      return { headers: {}, query: `private_token=${percentEncoded(secret)}` };
    case 'two-tokens': {
      const other = world.credentialOf(caller === 'reporter' ? 'owner' : 'reporter');
      return { headers: { 'private-token': secret, ...(other.kind === 'token' ? { authorization: `Bearer ${other.token}` } : {}) }, query: '' };
    }
    default:
      return { headers: { 'private-token': secret }, query: '' };
  }
}

function bodyBytes(body: Body | null): { contentType: string; bytes: Buffer } | null {
  if (!body) return null;
  const json = (text: string) => ({ contentType: 'application/json', bytes: Buffer.from(text) });
  switch (body.kind) {
    case 'json':
      return json(JSON.stringify(body.value));
    case 'form':
      return {
        contentType: 'application/x-www-form-urlencoded',
        bytes: Buffer.from(body.fields.map(([name, value]) => `${percentEncoded(name)}=${percentEncoded(value)}`).join('&')),
      };
    case 'text':
      return { contentType: body.contentType, bytes: Buffer.from(body.text) };
    case 'deep':
      // Arrays, or objects nested under a field every body schema knows.
      return json(body.depth % 2 ? `${'['.repeat(body.depth)}${']'.repeat(body.depth)}` : `{"name":${'{"a":'.repeat(body.depth)}1${'}'.repeat(body.depth)}}`);
    case 'oversized':
      return json(JSON.stringify({ name: 'x'.repeat(body.bytes) }));
  }
}

function send(agent: Agent, port: number, sent: SentRequest): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      { host: '127.0.0.1', port, method: sent.method, path: sent.path, headers: sent.headers, localAddress: sent.localAddress, agent, timeout: GIVE_UP_MS },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString(),
            ms: Math.round(performance.now() - started),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${GIVE_UP_MS} ms: ${sent.description}`)));
    // A server that answers 413 before reading the whole body may close while it is still sent:
    // the answer counts, the broken pipe does not.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      else if (!answered) reject(new Error(`connection closed without an answer (${error.code}): ${sent.description}`));
    });
    req.end(sent.body ?? undefined);
  });
}
