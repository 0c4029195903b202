import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { Failure, Result } from '../../domain/result.js';

/**
 * One error catalogue: every failure a user can cause becomes GitLab's status code and body
 * (GITLAB-BEHAVIOR §2.0). Anything else is a bug: logged with the request, hidden from the client.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : String(body.error ?? statusCode));
  }
}

export function failureToHttp(failure: Failure): HttpError {
  switch (failure.kind) {
    case 'bad_request':
      return new HttpError(400, { message: failure.message ? `400 Bad request - ${failure.message}` : '400 Bad request' });
    case 'unauthorized':
      return new HttpError(401, { message: '401 Unauthorized' });
    case 'forbidden':
      return new HttpError(403, { message: failure.message ? `403 Forbidden - ${failure.message}` : '403 Forbidden' });
    case 'not_found':
      return new HttpError(404, { message: failure.message ? `404 ${failure.message} Not Found` : '404 Not Found' });
    case 'method_not_allowed':
      return new HttpError(405, { message: '405 Method Not Allowed' });
    case 'conflict':
      return new HttpError(409, { message: failure.message ?? '409 Conflict' });
  }
}

/** A parameter error in Grape's words: `{"error":"name is missing"}`. */
export const paramError = (message: string) => new HttpError(400, { error: message });

/** Handlers call this on a service result: the value, or GitLab's answer for the failure. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw failureToHttp(result.error);
  return result.value;
}

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

/** Grape's messages for schema violations: missing, not one of the values, or otherwise invalid. */
export function validationMessage(errors: AjvError[]): string {
  const messages = errors.map((e) => {
    if (e.keyword === 'required') return `${String(e.params.missingProperty)} is missing`;
    const param = e.instancePath.split('/').filter(Boolean)[0] ?? 'body';
    if (e.keyword === 'enum' || e.keyword === 'const' || e.keyword === 'anyOf') return `${param} does not have a valid value`;
    if (e.keyword === 'additionalProperties') return `${String(e.params.additionalProperty)} is not allowed`;
    return `${param} is invalid`;
  });
  return [...new Set(messages)].join(', ');
}

function send(reply: FastifyReply, error: HttpError) {
  return reply.code(error.statusCode).headers(error.headers).send(error.body);
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError & { validation?: AjvError[] }, request, reply) => {
    if (error instanceof HttpError) return send(reply, error);
    if (error.validation) return send(reply, paramError(validationMessage(error.validation)));
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, new HttpError(415, { message: '415 Unsupported Media Type' }));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Malformed JSON, oversized bodies and the like: the client's fault, said plainly.
      const reason = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'The request body is not valid JSON' : error.message;
      return send(reply, new HttpError(error.statusCode, { message: `${error.statusCode} ${reason}` }));
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, new HttpError(500, { message: '500 Internal Server Error' }));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: '404 Not Found' }));
});
