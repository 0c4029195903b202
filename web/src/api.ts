/**
 * The only way the app talks to Tollgate: /api/v4, with the session cookie (sent by the browser)
 * and the session's CSRF token on every write. Error bodies come back as GitLab shapes them.
 */

export interface User {
  id: number;
  username: string;
  name: string;
  email?: string;
  is_admin?: boolean;
}

export interface Group {
  id: number;
  name: string;
  path: string;
  full_path: string;
  full_name: string;
  description: string;
  visibility: 'private' | 'internal' | 'public';
  parent_id: number | null;
  resource_access_token_creation_allowed: boolean;
  resource_access_token_notify_inherited: boolean | null;
  lock_resource_access_token_notify_inherited: boolean;
}

export interface Project {
  id: number;
  name: string;
  path: string;
  path_with_namespace: string;
  description: string;
  visibility: string;
}

export interface Member {
  id: number;
  username: string;
  access_level: number;
}

/** GITLAB-BEHAVIOR §1.4. */
export interface AccessToken {
  id: number;
  name: string;
  active: boolean;
  revoked: boolean;
  expired: boolean;
  created_at: string;
  description: string | null;
  scopes: string[];
  user_id: number;
  last_used_at: string | null;
  expires_at: string | null;
  access_level: number;
  /** Not in GitLab's entity; shown when the server sends it. */
  revoked_at?: string | null;
}

export interface NewAccessToken extends AccessToken {
  token: string;
}

export interface InstanceSettings {
  personal_access_token_prefix: string;
  max_personal_access_token_lifetime: number;
  require_personal_access_token_expiry: boolean;
  inactive_resource_access_tokens_delete_after_days: number | null;
  token_reuse_detection: 'rotate' | 'any_use' | 'off';
  git_auth_ban_enabled: boolean;
  git_auth_ban_max_attempts: number;
  git_auth_ban_find_time_seconds: number;
  git_auth_ban_duration_seconds: number;
  [key: string]: unknown;
}

export interface Session {
  user: User;
  csrf_token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  /** "400 Bad request - Expires at must be before 2027-01-30" → "Expires at must be before 2027-01-30". */
  get reason(): string {
    const match = /^\d{3} [^-]*? - (.+)$/s.exec(this.message);
    return match ? match[1]! : this.message;
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
  const headers: Record<string, string> = { accept: 'application/json' };
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
    throw new ApiError(response.status, messageOf(response.status, data));
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
