import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { failure as catalogued, gitLabAnswer, invalidFields, type ErrorCode, type Failure } from '../../domain/errors.js';
import type { Result } from '../../domain/result.js';

/** The catalogue code of every error answer (docs/decisions/0003-error-codes.md). */
const ERROR_CODE_HEADER = 'x-tollgate-error-code';
/**
 * A client that sends this header with `detailed` gets the code and the failure's fields in the
 * body too (`code`, `fields`), beside GitLab's own keys; GitLab clients never send it, so the
 * bodies they read stay exactly GitLab's.
 */
const ERROR_DETAIL_HEADER = 'x-tollgate-errors';

/**
 * An answer other than success: GitLab's status code and body, with the catalogue code. Anything
 * that is not an HttpError is a bug: logged with the request, hidden from the client.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
    readonly failure?: Failure,
  ) {
    super(typeof body.message === 'string' ? body.message : String(body.error ?? statusCode));
  }
}

function failureToHttp(failure: Failure, headers: Record<string, string> = {}): HttpError {
  const { status, body } = gitLabAnswer(failure);
  if (failure.retryAfterSeconds !== undefined) headers = { ...headers, 'retry-after': String(failure.retryAfterSeconds) };
  return new HttpError(status, body, headers, failure);
}

/** The answer for a catalogue code, for the few refusals that routes make themselves. */
export const httpFailure = (code: ErrorCode, message?: string, headers: Record<string, string> = {}) =>
  failureToHttp(catalogued(code, message).error, headers);

/** A parameter error in Grape's words: `{"error":"name is missing"}`. */
export const paramError = (message: string) => httpFailure('invalid_parameter', message);

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
function validationFailure(errors: AjvError[]): Failure {
  const fields = errors.map((e) => {
    if (e.keyword === 'required') return { field: String(e.params.missingProperty), message: `${String(e.params.missingProperty)} is missing` };
    const field = e.instancePath.split('/').filter(Boolean)[0] ?? 'body';
    if (e.keyword === 'enum' || e.keyword === 'const' || e.keyword === 'anyOf') return { field, message: `${field} does not have a valid value` };
    if (e.keyword === 'additionalProperties') return { field: String(e.params.additionalProperty), message: `${String(e.params.additionalProperty)} is not allowed` };
    return { field, message: `${field} is invalid` };
  });
  const unique = fields.filter((f, i) => fields.findIndex((g) => g.message === f.message) === i);
  return invalidFields('invalid_parameter', unique).error;
}

function send(request: FastifyRequest, reply: FastifyReply, error: HttpError) {
  const failure = error.failure;
  if (!failure) return reply.code(error.statusCode).headers(error.headers).send(error.body);
  const detailed = request.headers[ERROR_DETAIL_HEADER] === 'detailed';
  const body = detailed ? { ...error.body, code: failure.code, fields: failure.fields ?? [] } : error.body;
  return reply.code(error.statusCode).headers(error.headers).header(ERROR_CODE_HEADER, failure.code).send(body);
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError & { validation?: AjvError[] }, request, reply) => {
    if (error instanceof HttpError) return send(request, reply, error);
    if (error.validation) return send(request, reply, failureToHttp(validationFailure(error.validation)));
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(request, reply, httpFailure('unsupported_media_type'));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Malformed JSON, oversized bodies and the like: the client's fault, said plainly.
      const reason = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'The request body is not valid JSON' : error.message;
      return send(request, reply, new HttpError(error.statusCode, { message: `${error.statusCode} ${reason}` }));
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(request, reply, new HttpError(500, { message: '500 Internal Server Error' }));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: '404 Not Found' }));
});
