import type { InjectOptions } from 'fastify';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { SESSION_COOKIE } from '../../../src/http/plugins/auth.js';
import type { App } from '../../../src/http/types.js';
import { collecting, noteOpenValue, noteSecret, noteSink, type SecretKind } from './collector.js';

/** One request and its answer, as the app saw them (bodies as text). */
interface Exchange {
  method: string;
  url: string;
  requestType: string | undefined;
  requestBody: unknown;
  status: number;
  responseHeaders: OutgoingHttpHeaders;
  responseBody: string;
}

/** Bodies are read up to this size: enough for every JSON body, not for a git pack. */
const MAX_BODY_BYTES = 1 << 20;

/** Request fields that carry a secret: a password, a webhook's secret, a token to describe or revoke. */
const SECRET_REQUEST_FIELDS: Record<string, SecretKind> = { password: 'password', token: 'token' };
/** Answer fields that carry a secret Tollgate made: a token, a registry JWT, a session's CSRF token. */
const SECRET_ANSWER_FIELDS: Record<string, SecretKind> = { token: 'token', access_token: 'token', csrf_token: 'CSRF token' };

function parseBody(body: unknown, type: string | undefined): unknown {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return body;
  const text = body.toString();
  try {
    if (type?.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
    return text.trimStart().startsWith('{') ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** What the request sends in the open: its path segments, query values and other body fields. */
function noteOpenValues(url: string, request: unknown): void {
  const [path = '', query = ''] = url.split('?', 2);
  for (const segment of path.split('/')) noteOpenValue(decoded(segment));
  for (const [, value] of new URLSearchParams(query)) noteOpenValue(value);
  if (isRecord(request)) for (const [field, value] of Object.entries(request)) if (!Object.hasOwn(SECRET_REQUEST_FIELDS, field)) noteOpenValue(String(value));
}

function observe(exchange: Exchange): void {
  const request = parseBody(exchange.requestBody, exchange.requestType);
  noteOpenValues(exchange.url, request);
  if (isRecord(request)) {
    for (const [field, kind] of Object.entries(SECRET_REQUEST_FIELDS)) if (typeof request[field] === 'string') noteSecret(kind, request[field]);
  }
  if (exchange.status >= 400) {
    noteSink('error body', `${exchange.method} ${exchange.url.split('?')[0]} → ${exchange.status}`, exchange.responseBody);
    return;
  }
  const answer = parseBody(exchange.responseBody, 'application/json');
  if (isRecord(answer)) {
    for (const [field, kind] of Object.entries(SECRET_ANSWER_FIELDS)) if (typeof answer[field] === 'string') noteSecret(kind, answer[field]);
  }
  const cookies = exchange.responseHeaders['set-cookie'];
  for (const cookie of [cookies ?? []].flat()) {
    if (String(cookie).startsWith(`${SESSION_COOKIE}=`)) noteSecret('session id', String(cookie).slice(SESSION_COOKIE.length + 1).split(';')[0]);
  }
}

/** Keeps chunks up to MAX_BODY_BYTES; past that the body is dropped (`null`). */
function bodyRecorder() {
  let chunks: Buffer[] | null = [];
  let size = 0;
  return {
    add(chunk: unknown) {
      if (!chunks || (typeof chunk !== 'string' && !(chunk instanceof Uint8Array))) return;
      const buffer = Buffer.from(chunk);
      size += buffer.length;
      if (size > MAX_BODY_BYTES) chunks = null;
      else chunks.push(buffer);
    },
    text: () => (chunks ? Buffer.concat(chunks).toString() : ''),
  };
}

/** Requests to the listening server (real clients): the raw request and response, left as they are. */
function watchServer(server: Server): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const requestBody = bodyRecorder();
    const responseBody = bodyRecorder();
    let headers: OutgoingHttpHeaders = {};
    const { emit } = req;
    req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
      if (event === 'data') requestBody.add(args[0]);
      return emit.call(this, event, ...args);
    } as typeof req.emit;
    const { writeHead, write, end } = res;
    res.writeHead = function (this: ServerResponse, status: number, ...args: unknown[]) {
      const given = args.find((arg) => typeof arg === 'object' && arg !== null && !Array.isArray(arg));
      if (given) headers = given as OutgoingHttpHeaders;
      return (writeHead as (...a: unknown[]) => ServerResponse).call(this, status, ...args);
    } as typeof res.writeHead;
    res.write = function (this: ServerResponse, chunk: unknown, ...args: unknown[]) {
      responseBody.add(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...args);
    } as typeof res.write;
    res.end = function (this: ServerResponse, chunk?: unknown, ...args: unknown[]) {
      if (typeof chunk !== 'function') responseBody.add(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...args);
    } as typeof res.end;
    res.once('finish', () =>
      observe({
        method: req.method ?? '',
        url: req.url ?? '',
        requestType: req.headers['content-type'],
        requestBody: requestBody.text(),
        status: res.statusCode,
        responseHeaders: { ...headers, ...res.getHeaders() },
        responseBody: responseBody.text(),
      }),
    );
  });
}

/**
 * Watches everything the app answers, in process (`inject`) and on its server: passwords and
 * webhook secrets the requests give, tokens and session secrets the answers hand out, and every
 * error body as a sink.
 */
export function watchExchanges(app: App): void {
  if (!collecting()) return;
  watchServer(app.server);
  const inject = app.inject.bind(app) as (options: InjectOptions) => Promise<Awaited<ReturnType<App['inject']>>>;
  (app as { inject: unknown }).inject = async (options: InjectOptions) => {
    const response = await inject(options);
    const headers = Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    observe({
      method: options.method ?? 'GET',
      url: typeof options.url === 'string' ? options.url : String(options.path ?? ''),
      requestType: typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined,
      requestBody: options.payload ?? options.body,
      status: response.statusCode,
      responseHeaders: response.headers,
      responseBody: response.body,
    });
    return response;
  };
}
