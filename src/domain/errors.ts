/**
 * The error catalogue: every failure a user can cause, under a machine-readable code. Services and
 * domain rules name a code; the HTTP layer (src/http/plugins/errors.ts) turns the code's kind into
 * GitLab's status and body, and sends the code itself in the `X-Tollgate-Error-Code` header
 * (docs/decisions/0003-error-codes.md). Messages are GitLab's words wherever GitLab has them.
 */

/** How a failure reaches the client: each kind is one GitLab status and body shape. */
export type FailureKind =
  | 'bad_request' // 400 {"message":"400 Bad request - <reason>"}
  | 'invalid_parameter' // 400 {"error":"<reason>"} (Grape's parameter errors)
  | 'unauthorized' // 401 {"message":"401 Unauthorized[ - <reason>]"}
  | 'forbidden' // 403 {"message":"403 Forbidden[ - <reason>]"}
  | 'not_found' // 404 {"message":"404 <resource> Not Found"}
  | 'record_not_found' // 404 {"message":"404 Not found"} (GitLab's rescue of ActiveRecord::RecordNotFound)
  | 'not_found_error' // 404 {"message":{"error":"<reason>"}} (render_api_error! with a hash)
  | 'method_not_allowed' // 405 {"message":"405 Method Not Allowed"}
  | 'conflict' // 409 {"message":"<reason>"}
  | 'unsupported_media_type' // 415 {"message":"415 Unsupported Media Type[ - <reason>]"}
  | 'unprocessable' // 422 {"message":{"<field>":["<reason>"]}}
  | 'unprocessable_reason' // 422 {"message":"<reason>"} (render_api_error! with a string)
  | 'invalid_record' // 400 {"message":{"<field>":["<reason>"]}} (a model's errors, answered as 400)
  | 'too_many_requests' // 429 {"message":"429 Too Many Requests - <reason>"}
  | 'throttled'; // 429 {"message":"Retry later"} (GitLab's Rack::Attack throttles), with Retry-After

interface Entry {
  kind: FailureKind;
  /** The reason (or, for not_found, the resource name); callers may give a more precise one. */
  message?: string;
  /** The input field the failure is about, for forms. */
  field?: string;
  /** The message beside that field, when GitLab's reason does not read well there. */
  fieldMessage?: string;
}

export const ERRORS = {
  // Who is asking
  unauthorized: { kind: 'unauthorized' },
  forbidden: { kind: 'forbidden' },
  method_not_allowed: { kind: 'method_not_allowed' },
  invalid_login: { kind: 'unauthorized', message: 'Invalid login or password.' },
  account_blocked: { kind: 'forbidden', message: 'Your account has been blocked.' },
  csrf_token_invalid: { kind: 'forbidden', message: 'CSRF token invalid' },
  /** GitLab's API::Users: an anonymous list of users needs an exact `username`. */
  users_list_needs_username: { kind: 'forbidden', message: 'Not authorized to access /api/v4/users' },
  sign_in_throttled: { kind: 'too_many_requests' },
  credentials_revoke_limited: { kind: 'too_many_requests' },
  /** Issue 14: too many failed token authentications from the client's address this minute. */
  failed_auth_throttled: { kind: 'throttled' },
  /** Issue 14: the user created `token_creations_limit_per_minute` tokens this minute. */
  token_creations_limited: { kind: 'throttled' },
  personal_access_token_required: { kind: 'bad_request', message: 'This endpoint requires token type to be a personal access token' },
  // A token that cannot be used, or lacks the route's scope: RFC 6750 bodies (`invalid_token`,
  // `insufficient_scope`) rather than GitLab's message shape; the messages are their descriptions.
  token_expired: { kind: 'unauthorized', message: 'Token is expired. You can either do re-authorization or token refresh.' },
  token_revoked: { kind: 'unauthorized', message: 'Token was revoked. You have to re-authorize from the user.' },
  /** Tollgate's own: the token's allowlist (`allowed_cidrs`) does not hold the client's address. */
  token_ip_refused: { kind: 'unauthorized', message: 'Token is not allowed from this IP address.' },
  insufficient_scope: { kind: 'forbidden', message: 'The request requires higher privileges than provided by the access token.' },

  // What was asked for
  not_found: { kind: 'not_found' },
  group_not_found: { kind: 'not_found', message: 'Group' },
  project_not_found: { kind: 'not_found', message: 'Project' },
  user_not_found: { kind: 'not_found', message: 'User' },
  member_not_found: { kind: 'not_found', message: 'Member' },
  issue_not_found: { kind: 'not_found', message: 'Issue' },
  /** GitLab's resource name in this API's 404s: `404 group Access Token Not Found`. */
  access_token_not_found: { kind: 'not_found', message: 'group Access Token' },
  /** §10: the same with the project's lower-case resource name. */
  project_access_token_not_found: { kind: 'not_found', message: 'project Access Token' },
  /** GET /audit_events/:id (GitLab's AuditEventFinder#find raises RecordNotFound). */
  audit_event_not_found: { kind: 'record_not_found' },
  /** POST and DELETE /admin/token: a well-formed value that matches no token (lib/api/admin/token.rb). */
  token_not_identified: { kind: 'not_found_error', message: 'Not found' },

  // Input
  invalid_parameter: { kind: 'invalid_parameter' },
  invalid_attributes: { kind: 'bad_request' },
  unsupported_media_type: { kind: 'unsupported_media_type' },
  access_level_invalid: { kind: 'bad_request', message: 'access_level does not have a valid value', field: 'access_level' },
  group_path_taken: { kind: 'bad_request', message: 'Failed to save group {:path=>["has already been taken"]}', field: 'path', fieldMessage: 'Path has already been taken' },
  project_path_taken: { kind: 'bad_request', message: 'Path has already been taken', field: 'path' },
  email_taken: { kind: 'conflict', message: 'Email has already been taken', field: 'email' },
  username_taken: { kind: 'conflict', message: 'Username has already been taken', field: 'username' },
  settings_invalid: { kind: 'bad_request' },
  hook_invalid: { kind: 'unprocessable' },

  // Members
  role_above_own: { kind: 'forbidden', message: 'You cannot assign a role higher than your own', field: 'access_level' },
  bot_cannot_join: { kind: 'bad_request', message: 'Bot users of access tokens cannot be added to other groups or projects' },
  /** §10: GitLab's member validation, as the projects members API answers it. */
  project_bot_cannot_join: { kind: 'invalid_record', message: 'project bots cannot be added to other groups / projects', field: 'user_id' },
  member_exists: { kind: 'conflict', message: 'Member already exists' },
  last_owner: { kind: 'forbidden', message: 'A group must keep at least one Owner' },

  // Tokens
  token_creation_not_allowed: { kind: 'bad_request', message: 'User does not have permission to create group access token' },
  project_token_creation_not_allowed: { kind: 'bad_request', message: 'User does not have permission to create project access token' },
  token_role_above_creator: { kind: 'bad_request', message: 'Access level of the token contains permissions not held by the creating user', field: 'access_level' },
  token_role_above_rotator: { kind: 'bad_request', message: 'Not eligible to rotate tokens with permissions not held by the user' },
  token_already_revoked: { kind: 'bad_request', message: 'Token already revoked' },
  /** Tollgate's own: a token inside its rotation overlap window is rotated only once. */
  token_already_rotated: { kind: 'bad_request', message: 'Token already rotated' },
  token_revocation_not_allowed: { kind: 'bad_request' },
  scopes_unavailable: { kind: 'bad_request', message: 'Scopes can only contain available scopes', field: 'scopes' },
  // Grape's `values:` check on POST /user/personal_access_tokens (k8s_proxy, self_rotate) for a token caller.
  scopes_not_mintable: { kind: 'invalid_parameter', message: 'scopes does not have a valid value', field: 'scopes' },
  expires_at_invalid: { kind: 'bad_request', message: 'expires_at is invalid', field: 'expires_at' },
  grace_period_invalid: { kind: 'invalid_parameter', message: 'grace_period_seconds does not have a valid value', field: 'grace_period_seconds' },
  allowed_cidrs_invalid: { kind: 'invalid_parameter', message: 'allowed_cidrs is invalid', field: 'allowed_cidrs' },
  expires_at_too_late: { kind: 'bad_request', field: 'expires_at' },
  /** /admin/token: a value that is not a Tollgate token (lib/api/admin/token.rb's ArgumentError). */
  token_type_not_supported: { kind: 'unprocessable_reason', message: 'Token type not supported.' },
} as const satisfies Record<string, Entry>;

export type ErrorCode = keyof typeof ERRORS;

/** A message about one input field (the web UI shows it beside that field). */
export interface FieldError {
  field: string;
  message: string;
}

export interface Failure {
  code: ErrorCode;
  kind: FailureKind;
  /** The reason (400/401/403/409/415/429) or the resource name (404). */
  message?: string;
  /** The fields the failure is about, each with its own message (validation failures). */
  fields?: FieldError[];
  /** A throttled request: when to try again (the Retry-After header). */
  retryAfterSeconds?: number;
}

export type Failed = { ok: false; error: Failure };

/** The failure for a catalogue code; `message` replaces the catalogue's when the reason names values. */
export function failure(code: ErrorCode, message?: string): Failed {
  const entry: Entry = ERRORS[code];
  const text = message ?? entry.message;
  const error: Failure = { code, kind: entry.kind };
  if (text !== undefined) error.message = text;
  if (entry.field !== undefined && text !== undefined) error.fields = [{ field: entry.field, message: message ?? entry.fieldMessage ?? text }];
  return { ok: false, error };
}

/**
 * A validation failure over several fields: GitLab joins the messages with ", " in one reason;
 * the fields keep them apart for forms.
 */
export function invalidFields(code: ErrorCode, fields: FieldError[]): Failed {
  return { ok: false, error: { code, kind: ERRORS[code].kind, message: fields.map((f) => f.message).join(', '), fields } };
}

/** A refusal that lifts by itself: the client may retry after `retryAfterSeconds`. */
export function throttled(code: 'failed_auth_throttled' | 'token_creations_limited', retryAfterSeconds: number): Failed {
  return { ok: false, error: { code, kind: ERRORS[code].kind, retryAfterSeconds } };
}

const withReason = (prefix: string, reason: string | undefined) => (reason ? `${prefix} - ${reason}` : prefix);

/** GitLab's status and body for a failure: what the API answers, and what the console prints. */
export function gitLabAnswer(failure: Failure): { status: number; body: Record<string, unknown> } {
  switch (failure.kind) {
    case 'bad_request':
      return { status: 400, body: { message: withReason('400 Bad request', failure.message) } };
    case 'invalid_parameter':
      return { status: 400, body: { error: failure.message ?? 'Bad request' } };
    case 'unauthorized':
      return { status: 401, body: { message: withReason('401 Unauthorized', failure.message) } };
    case 'forbidden':
      return { status: 403, body: { message: withReason('403 Forbidden', failure.message) } };
    case 'not_found':
      return { status: 404, body: { message: failure.message ? `404 ${failure.message} Not Found` : '404 Not Found' } };
    case 'record_not_found':
      return { status: 404, body: { message: '404 Not found' } };
    case 'not_found_error':
      return { status: 404, body: { message: { error: failure.message ?? 'Not found' } } };
    case 'method_not_allowed':
      return { status: 405, body: { message: '405 Method Not Allowed' } };
    case 'conflict':
      return { status: 409, body: { message: failure.message ?? '409 Conflict' } };
    case 'unsupported_media_type':
      return { status: 415, body: { message: withReason('415 Unsupported Media Type', failure.message) } };
    case 'unprocessable':
    case 'invalid_record': {
      // GitLab's model errors by attribute: {"message":{"url":["is blocked: …"]}}.
      const byField: Record<string, string[]> = {};
      for (const { field, message } of failure.fields ?? []) (byField[field] ??= []).push(message);
      return { status: failure.kind === 'unprocessable' ? 422 : 400, body: { message: byField } };
    }
    case 'unprocessable_reason':
      return { status: 422, body: { message: failure.message ?? '422 Unprocessable Entity' } };
    case 'too_many_requests':
      return { status: 429, body: { message: withReason('429 Too Many Requests', failure.message) } };
    case 'throttled':
      return { status: 429, body: { message: 'Retry later' } };
  }
}
