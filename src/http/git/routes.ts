import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { GitService } from '../../domain/git-access.js';
import { authorizeGitRequest } from '../../services/git-access.js';
import { repositoriesRoot } from '../../services/repositories.js';
import { RawResponse } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';
import { locateHttpBackend, readCgiResponse, spawnHttpBackend } from './http-backend.js';
import { gitProtocolOf, MAX_GROUP_DEPTH, parseGitCredentials, parseGitTarget, type GitAction } from './request.js';

/**
 * Git smart HTTP at `/<group full path>/<project path>[.git]/{info/refs,git-upload-pack,git-receive-pack}`:
 * Tollgate authenticates (Basic, token as password) and authorises (§3.5), then git's own
 * `git http-backend` serves the protocol, with request and response bodies streamed through.
 */

const GIT_REALM = 'Tollgate';
const tags = ['git'];
const hidden = { hide: true } as Record<string, unknown>;

function refuse(reply: FastifyReply, status: number, message: string) {
  // git prints a text/plain error body to the user as "remote: …".
  if (status === 401) reply.header('www-authenticate', `Basic realm="${GIT_REALM}"`);
  return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
}

/** Until git has read a cut request to its end and cleaned up, then it is signalled. */
const GIT_STOP_GRACE_MS = 10_000;

type RequestBody = { kind: 'body'; stream: Readable } | { kind: 'none' } | { kind: 'refused'; status: number; message: string };

/**
 * The request body as git must read it: gzip-encoded bodies (git sends large negotiations so)
 * inflated. A body that is not gzip at all is refused before git runs.
 */
async function requestBody(request: FastifyRequest): Promise<RequestBody> {
  if (request.method !== 'POST') return { kind: 'none' };
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return { kind: 'body', stream: request.raw };
  if (encoding !== 'gzip' && encoding !== 'x-gzip') return { kind: 'refused', status: 415, message: 'Unsupported Content-Encoding' };
  const inflated = request.raw.pipe(createGunzip());
  const valid = await new Promise<boolean>((resolve) => {
    inflated.once('readable', () => resolve(true));
    inflated.once('end', () => resolve(true));
    inflated.once('error', () => resolve(false));
    // A client gone before sending anything: no body will come.
    request.raw.once('close', () => {
      if (!request.raw.complete) resolve(false);
    });
  });
  return valid ? { kind: 'body', stream: inflated } : { kind: 'refused', status: 400, message: 'Invalid gzip-encoded request body' };
}

/**
 * Streams the request body into git http-backend and its output back out, until either side ends.
 *
 * A request cut short (a killed push, a broken gzip stream) ends git's input rather than killing
 * git: receive-pack and the unpack-objects or index-pack below it then see the truncated pack,
 * update no ref and remove their quarantine in order, so the repository stays as it was. A git
 * that does not finish in time is signalled.
 */
async function relay(request: FastifyRequest, reply: FastifyReply, child: ChildProcessWithoutNullStreams, body: RequestBody, service: GitService) {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString('utf8');
  });
  child.on('error', (err) => request.log.error({ err }, 'could not run git http-backend'));
  const stop = () => {
    child.stdin.destroy();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGTERM'), GIT_STOP_GRACE_MS);
    timer.unref();
    child.once('exit', () => clearTimeout(timer));
  };
  // receive-pack must be able to write its report to the end, or it dies of SIGPIPE before removing
  // its quarantine: its output goes out through a stream of ours, so a client gone does not close
  // git's. upload-pack has nothing to protect and stops at once without a reader.
  const output = service === 'git-receive-pack' ? new PassThrough() : null;
  const discardOutput = () => {
    if (!output) return child.stdout.destroy();
    child.stdout.unpipe(output);
    child.stdout.on('data', () => {}).resume();
  };
  let clientGone = false;
  if (body.kind === 'body') {
    // git may answer (and exit) before reading the whole body: not an error; the rest is drained.
    child.stdin.on('error', () => body.stream.unpipe(child.stdin).resume());
    body.stream.on('error', () => {
      stop();
      if (reply.sent) reply.raw.destroy();
    });
    body.stream.pipe(child.stdin);
  } else {
    child.stdin.end();
  }
  request.raw.once('close', () => {
    if (!request.raw.complete) stop();
  });
  reply.raw.once('close', () => {
    if (reply.raw.writableFinished) return;
    clientGone = true;
    stop();
    discardOutput();
  });

  let cgi;
  try {
    cgi = await readCgiResponse(child.stdout);
  } catch (err) {
    request.log.error({ err, stderr }, 'git http-backend failed');
    return refuse(reply, 500, 'git http-backend failed');
  }
  child.once('close', (code) => {
    if (code !== 0 && code !== null) request.log.warn({ code, stderr }, 'git http-backend exited with an error');
  });
  if (clientGone) {
    discardOutput();
    return reply.hijack();
  }
  reply.code(cgi.status).headers(cgi.headers);
  return reply.send(output ? cgi.body.pipe(output) : cgi.body);
}

export async function gitRoutes(app: App, { ctx }: RouteOptions) {
  const projectRoot = repositoriesRoot(ctx.config);
  const httpBackend = await locateHttpBackend();

  // Git bodies belong to git: never parsed, buffered or size-limited here (pushes may exceed memory).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const handle = (action: GitAction) => async (request: FastifyRequest<{ Querystring: { service?: string } }>, reply: FastifyReply) => {
    const parsed = parseGitTarget(request.url, action, request.query.service);
    if (!parsed.ok) return refuse(reply, parsed.status, parsed.message);
    const { target } = parsed;
    const access = await authorizeGitRequest(ctx, {
      ...target,
      credentials: parseGitCredentials(request.headers.authorization),
      ip: request.ip,
      path: request.url.split('?', 1)[0]!,
    });
    if (access.authentication) app.countAuthentication(access.authentication, 'git');
    if (!access.ok) return refuse(reply, access.status, access.message);
    // As for the API: the request log names who it was, and the auth plugin's onResponse hook
    // records last_used_at and the IP (throttled) once the response is sent.
    request.caller = access.caller;

    const body = await requestBody(request);
    if (body.kind === 'refused') return refuse(reply, body.status, body.message);
    const child = spawnHttpBackend(httpBackend, {
      projectRoot,
      pathInfo: `/${access.relativePath}/${action}`,
      method: request.method === 'POST' ? 'POST' : 'GET',
      service: target.service,
      contentType: request.headers['content-type'],
      gitProtocol: gitProtocolOf(request.headers['git-protocol']),
      remoteUser: access.user?.username,
      remoteAddr: request.ip,
    });
    return relay(request, reply, child, body, target.service);
  };

  // git's own protocol, streamed from git http-backend; refusals are text git shows as "remote: …".
  const refusals = {
    400: RawResponse('Invalid repository path, or a body that is not valid gzip', ['text/plain']),
    401: RawResponse('Credentials needed (with the Basic challenge), or refused', ['text/plain']),
    403: RawResponse('Not allowed: the scopes, the role, a blocked account or a banned IP address', ['text/plain']),
    404: RawResponse('No such repository, or not one the caller can see', ['text/plain']),
    500: RawResponse('git http-backend failed', ['text/plain']),
  };
  const routeOptions = (summary: string, answers: Record<number, ReturnType<typeof RawResponse>>, querystring = Type.Object({})) => ({
    config: { auth: 'none' as const },
    exposeHeadRoute: false,
    schema: { tags, summary, querystring, ...hidden, response: { ...answers, ...refusals } },
  });
  const bodyRefusal = { 415: RawResponse('A Content-Encoding other than gzip', ['text/plain']) };
  const infoRefs = routeOptions(
    'Git smart HTTP: advertise refs',
    { 200: RawResponse('The refs, for fetch or push', ['application/x-git-upload-pack-advertisement', 'application/x-git-receive-pack-advertisement'], 'binary') },
    Type.Object({ service: Type.Optional(Type.String({ maxLength: 64 })) }),
  );
  const uploadPack = routeOptions('Git smart HTTP: fetch (git-upload-pack)', {
    200: RawResponse('The pack', ['application/x-git-upload-pack-result'], 'binary'),
    ...bodyRefusal,
  });
  const receivePack = routeOptions('Git smart HTTP: push (git-receive-pack)', {
    200: RawResponse('The result of the push', ['application/x-git-receive-pack-result'], 'binary'),
    ...bodyRefusal,
  });

  // find-my-way has no multi-segment parameters: one route per depth of the group path.
  for (let depth = 2; depth <= MAX_GROUP_DEPTH + 1; depth++) {
    const repository = Array.from({ length: depth }, (_, i) => `:p${i}`).join('/');
    app.get(`/${repository}/info/refs`, infoRefs, handle('info/refs'));
    app.post(`/${repository}/git-upload-pack`, uploadPack, handle('git-upload-pack'));
    app.post(`/${repository}/git-receive-pack`, receivePack, handle('git-receive-pack'));
  }
}
