import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { pino } from 'pino';
import { CENSORED, CREDENTIAL_HEADERS, CREDENTIAL_RESPONSE_HEADERS, redactUrl } from '../redaction.js';

function censored(headers: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const copy = { ...headers };
  for (const name of names) if (copy[name] !== undefined) copy[name] = CENSORED;
  return copy;
}

function levelEnabled(log: FastifyBaseLogger, level: string): boolean {
  // pino's loggers answer this; Fastify's disabled logger does not, and logs nothing anyway.
  const { isLevelEnabled } = log as { isLevelEnabled?: (level: string) => boolean };
  return isLevelEnabled?.call(log, level) ?? false;
}

const { chindingsSym, endSym, lsCacheSym, streamSym, timeSym } = pino.symbols;
const INFO = 30;

/**
 * Writes what `log.info(fields, msg)` writes, byte for byte (request-log.test.ts compares them),
 * from one JSON.stringify of the fields. pino serializes field by field, which made the request
 * line cost as much as a tenth of a cached authenticated request (docs/performance.md). The
 * fields are plain values: no serializer, redaction or formatter of the logger applies to them.
 */
export function writeInfoLine(log: FastifyBaseLogger, fields: Record<string, unknown>, msg: string): void {
  // The parts of a pino logger that its lines are made of, under pino.symbols (its public API).
  const pinoLogger = log as unknown as Record<symbol, unknown>;
  const stream = pinoLogger[streamSym] as { write(line: string): void } | undefined;
  if (typeof stream?.write !== 'function' || typeof pinoLogger[timeSym] !== 'function') return log.info(fields, msg);
  if (!levelEnabled(log, 'info')) return;
  const levels = pinoLogger[lsCacheSym] as Record<number, string>;
  const time = (pinoLogger[timeSym] as () => string)();
  const json = JSON.stringify(fields);
  const body = json.length > 2 ? `,${json.slice(1, -1)}` : '';
  stream.write(`${levels[INFO]}${time}${pinoLogger[chindingsSym] as string}${body},"msg":${JSON.stringify(msg)}${pinoLogger[endSym] as string}`);
}

/**
 * One line per completed request, as GitLab's `api_json.log` reads, instead of Fastify's two
 * lines with every header (a fifth to a third of the throughput at `info`). Headers are added,
 * credentials censored, only at `debug`. Fastify's own request logging is disabled in buildApp.
 */
export const requestLogPlugin = fp(async (app: FastifyInstance) => {
  // At debug, also a line when a request arrives: a request that never completes (a hanging
  // client, a shutdown) shows up. Decided once: the level is fixed at start.
  const debug = levelEnabled(app.log, 'debug');
  if (debug) {
    app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
      request.log.debug({ method: request.method, path: redactUrl(request.url), remote_ip: request.ip }, 'request received');
      done();
    });
  }
  if (!levelEnabled(app.log, 'info')) return;
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const line: Record<string, unknown> = {
      method: request.method,
      route: request.routeOptions.url,
      path: redactUrl(request.url),
      status: reply.statusCode,
      duration_ms: reply.elapsedTime,
      user_id: request.caller?.user.id,
      token_id: request.caller?.token?.id,
      remote_ip: request.ip,
    };
    if (debug) {
      line.request_headers = censored(request.headers, CREDENTIAL_HEADERS);
      line.response_headers = censored(reply.getHeaders(), CREDENTIAL_RESPONSE_HEADERS);
    }
    writeInfoLine(request.log, line, 'request completed');
    done();
  });
});
