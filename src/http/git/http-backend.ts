import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { GitService } from '../../domain/git-access.js';

/**
 * The CGI bridge to `git http-backend` (RFC 3875): git speaks the protocol, Tollgate only decides
 * who may talk to it. Always spawned with an argument array (never a shell), with a minimal
 * environment, and with PATH_INFO built from stored paths, never from the request.
 */

export interface HttpBackendRequest {
  projectRoot: string;
  /** `/<group full path>/<project path>.git/<action>` */
  pathInfo: string;
  method: 'GET' | 'POST';
  service: GitService;
  contentType: string | undefined;
  /** From the Git-Protocol header: `version=2` selects protocol v2. */
  gitProtocol: string | undefined;
  /** The authenticated user's username (git uses it as the committer of reflog entries). */
  remoteUser: string | undefined;
  remoteAddr: string;
}

const run = promisify(execFile);

/** Only what git needs from our environment: not the secret, not the database URL. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'GIT_EXEC_PATH', 'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_GLOBAL'];

const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

export function httpBackendEnvironment(request: HttpBackendRequest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    GIT_PROJECT_ROOT: request.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: request.pathInfo,
    REQUEST_METHOD: request.method,
    QUERY_STRING: request.method === 'GET' ? `service=${request.service}` : '',
    REMOTE_ADDR: request.remoteAddr,
  });
  // Configuration through the environment (git 2.31+): receive-pack only for requests already authorised to push.
  Object.assign(env, {
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: String(request.service === 'git-receive-pack'),
    GIT_CONFIG_KEY_1: 'http.uploadpack',
    GIT_CONFIG_VALUE_1: 'true',
  });
  if (request.contentType && CONTENT_TYPE.test(request.contentType)) env.CONTENT_TYPE = request.contentType;
  if (request.gitProtocol) env.GIT_PROTOCOL = request.gitProtocol;
  if (request.remoteUser) env.REMOTE_USER = request.remoteUser;
  return env;
}

/** How to start git http-backend: its own executable, or through the `git` wrapper. */
export interface HttpBackendCommand {
  file: string;
  args: string[];
}

/**
 * git's programs directory holds `git-http-backend`; running it directly spares every request the
 * `git` wrapper process (about 2 ms each). Falls back to `git http-backend`.
 */
export async function locateHttpBackend(): Promise<HttpBackendCommand> {
  try {
    const { stdout } = await run('git', ['--exec-path']);
    const file = join(stdout.trim(), 'git-http-backend');
    await access(file, constants.X_OK);
    return { file, args: [] };
  } catch {
    return { file: 'git', args: ['http-backend'] };
  }
}

export function spawnHttpBackend(command: HttpBackendCommand, request: HttpBackendRequest): ChildProcessWithoutNullStreams {
  return spawn(command.file, command.args, { env: httpBackendEnvironment(request), stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface CgiResponse {
  status: number;
  headers: Record<string, string>;
  /** The rest of the CGI output, unread. */
  body: Readable;
}

/** git http-backend's headers are a few hundred bytes; a runaway header block is a bug, not a response. */
const MAX_CGI_HEADER_BYTES = 64 * 1024;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;

/** `Status: 404 Not Found` and the other header lines of a CGI response. */
export function parseCgiHeaders(block: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name)) continue;
    if (name.toLowerCase() === 'status') {
      const code = Number.parseInt(value, 10);
      if (code >= 100 && code <= 599) status = code;
    } else {
      headers[name.toLowerCase()] = value;
    }
  }
  return { status, headers };
}

function headerEnd(buffer: Buffer): { headerBytes: number; bodyStart: number } | null {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerBytes: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerBytes: lf, bodyStart: lf + 2 };
  return null;
}

/**
 * Reads the header block from CGI output and hands back the output stream positioned at the body,
 * so the body streams on to the client without being buffered here.
 */
export function readCgiResponse(output: Readable): Promise<CgiResponse> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanUp = () => {
      output.off('readable', onReadable);
      output.off('end', onEnd);
      output.off('error', onError);
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    const onEnd = () => onError(new Error('git http-backend ended before sending its headers'));
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = output.read() as Buffer | null) !== null) {
        buffered = Buffer.concat([buffered, chunk]);
        const end = headerEnd(buffered);
        if (end) {
          cleanUp();
          const rest = buffered.subarray(end.bodyStart);
          if (rest.length > 0) output.unshift(rest);
          resolve({ ...parseCgiHeaders(buffered.subarray(0, end.headerBytes).toString('latin1')), body: output });
          return;
        }
        if (buffered.length > MAX_CGI_HEADER_BYTES) return onError(new Error('git http-backend sent an oversized header block'));
      }
    };
    output.on('readable', onReadable);
    output.once('end', onEnd);
    output.once('error', onError);
  });
}
