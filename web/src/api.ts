/**
 * The only way the app talks to Tollgate: /api/v4, with the session cookie (sent by the browser)
 * and the session's CSRF token on every write. Error bodies come back as GitLab shapes them.
 */

import type { components, paths } from './api-types';

/** The API's answers, generated from its OpenAPI document (src/http/presenters): `npm run generate:api-types`. */
type Schemas = components['schemas'];

export type User = Schemas['User'];
export type Group = Schemas['Group'];
export type Project = Schemas['Project'];
export type Member = Schemas['Member'];
/** A personal access token, as GET /personal_access_tokens lists it. */
export type PersonalAccessToken = Schemas['PersonalAccessToken'];
/** What the token pages list: a personal token, or a group or project access token (§1.4, §10) with its role. */
export type ListedToken = PersonalAccessToken & { access_level?: number };
/** Any token as create and rotate answer: with the token itself. */
export type NewToken = ListedToken & { token: string };
export type InstanceSettings = Schemas['ApplicationSettings'];
export type Session = Schemas['Session'];
/** What the signed-in user may do on a group, decided by the server. */
export type GroupAbilities = paths['/api/v4/groups/{id}/abilities']['get']['responses'][200]['content']['application/json'];

/** What the signed-in user may do on a project, decided by the server. */
export type ProjectAbilities = paths['/api/v4/projects/{id}/abilities']['get']['responses'][200]['content']['application/json'];

/** A message about one input, as the server names it (`expires_at`, `path`, a setting's key). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * A refusal, with the catalogue code and per-field messages the server sends on request
 * (docs/decisions/0003-error-codes.md): the UI places messages by field, never by parsing text.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }

  /** "400 Bad request - Expires at must be before 2027-01-30" → "Expires at must be before 2027-01-30". */
  get reason(): string {
    const match = /^\d{3} [^-]*? - (.+)$/s.exec(this.message);
    return match ? match[1]! : this.message;
  }

  /** The message about each field, by the server's field name. */
  get byField(): Record<string, string> {
    return Object.fromEntries(this.fields.map(({ field, message }) => [field, message]));
  }
}

let csrfToken: string | null = null;
let whenUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401 while the app believes it is signed in. */
export function onUnauthorized(handler: () => void): void {
  whenUnauthorized = handler;
}

function messageOf(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const { message, error, error_description } = body as Record<string, unknown>;
    if (typeof message === 'string') return message;
    if (typeof error_description === 'string') return error_description;
    if (typeof error === 'string') return error;
  }
  return `${status} The server could not complete the request`;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiResponse<T>> {
  // Asks for the error code and per-field messages beside GitLab's error body.
  const headers: Record<string, string> = { accept: 'application/json', 'x-tollgate-errors': 'detailed' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v4${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'Tollgate could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/session')) whenUnauthorized?.();
    const { code, fields } = (data ?? {}) as { code?: unknown; fields?: unknown };
    throw new ApiError(response.status, messageOf(response.status, data), typeof code === 'string' ? code : null, Array.isArray(fields) ? (fields as FieldError[]) : []);
  }
  return { data: data as T, headers: response.headers };
}

export const api = {
  get: async <T>(path: string) => (await request<T>('GET', path)).data,
  post: async <T>(path: string, body: unknown = {}) => (await request<T>('POST', path, body)).data,
  put: async <T>(path: string, body: unknown = {}) => (await request<T>('PUT', path, body)).data,
  delete: async (path: string) => {
    await request<null>('DELETE', path);
  },
};

/** A group's `:id` in API paths: its URL-encoded full path. */
export const groupApiPath = (fullPath: string) => `/groups/${encodeURIComponent(fullPath)}`;

/** A project's `:id` in API paths: its URL-encoded full path. */
export const projectApiPath = (fullPath: string) => `/projects/${encodeURIComponent(fullPath)}`;
