/**
 * Expected failures of a use case. The HTTP layer maps each kind to GitLab's status code and body
 * (see http/plugins/errors.ts); services never know about HTTP.
 */
export type FailureKind =
  | 'bad_request' // 400 {"message":"400 Bad request - <reason>"}
  | 'unauthorized' // 401 {"message":"401 Unauthorized"}
  | 'forbidden' // 403 {"message":"403 Forbidden - <reason>"}
  | 'not_found' // 404 {"message":"404 <resource> Not Found"}
  | 'method_not_allowed' // 405
  | 'conflict'; // 409 {"message":"<reason>"}

export interface Failure {
  kind: FailureKind;
  /** The reason (400/403/409) or the resource name (404). */
  message?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (kind: FailureKind, message?: string): { ok: false; error: Failure } => ({
  ok: false,
  error: message === undefined ? { kind } : { kind, message },
});

export const badRequest = (reason: string) => fail('bad_request', reason);
export const notFound = (resource?: string) => fail('not_found', resource);
export const unauthorized = () => fail('unauthorized');
export const forbidden = (reason?: string) => fail('forbidden', reason);
