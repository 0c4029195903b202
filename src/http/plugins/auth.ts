/// <reference types="@fastify/cookie" />
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { apiScopesFor, hasAnyScope } from '../../domain/scopes.js';
import { actorOf } from '../../services/access.js';
import { authenticateToken, recordTokenUse, type Authentication } from '../../services/authenticate.js';
import type { ServiceContext } from '../../services/context.js';
import { authenticateSession, csrfTokenMatches, touchSession, type AuthenticatedSession } from '../../services/sessions.js';
import type { AuthenticatedToken } from '../../services/token-lookup.js';
import type { Actor } from '../../domain/permissions.js';
import type { UserRow } from '../../store/schema.js';
import { HttpError } from './errors.js';

export interface AuthContext {
  user: UserRow;
  actor: Actor;
  /** The token the request authenticated with (null for a browser session). */
  token: AuthenticatedToken | null;
  /** The browser session the request authenticated with (absent for a token). */
  session?: AuthenticatedSession;
}

/** The browser session cookie (HttpOnly; the web UI never reads it). */
export const SESSION_COOKIE = '_tollgate_session';
/** Methods that change state: with a session cookie they need the session's CSRF token. */
const STATE_CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `required` (default): 401 without credentials; `optional`: anonymous allowed; `none`: never looked at. */
    auth?: 'required' | 'optional' | 'none';
    /** Scopes this route accepts beyond GitLab's API-level `api` / `read_api` (e.g. `self_rotate`). */
    extraScopes?: readonly string[];
    /** Any scope will do (GitLab's self-information routes). */
    anyScope?: boolean;
  }
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

const INVALID_TOKEN: Record<'expired' | 'revoked', string> = {
  expired: 'Token is expired. You can either do re-authorization or token refresh.',
  revoked: 'Token was revoked. You have to re-authorize from the user.',
};

/** GitLab's answers for a token that cannot be used (§3.4). */
export function authenticationError(outcome: Exclude<Authentication, { kind: 'ok' }>): HttpError {
  switch (outcome.kind) {
    case 'unknown':
      return new HttpError(401, { message: '401 Unauthorized' });
    case 'blocked':
      return new HttpError(403, { message: '403 Forbidden - Your account has been blocked.' });
    case 'expired':
    case 'revoked': {
      const description = INVALID_TOKEN[outcome.kind];
      return new HttpError(
        401,
        { error: 'invalid_token', error_description: description },
        { 'www-authenticate': `Bearer realm="The API", error="invalid_token", error_description="${description}"` },
      );
    }
  }
}

export function insufficientScope(allowed: readonly string[]): HttpError {
  return new HttpError(403, {
    error: 'insufficient_scope',
    error_description: 'The request requires higher privileges than provided by the access token.',
    scope: allowed.join(' '),
  });
}

function param(source: unknown, name: string): string | undefined {
  if (source && typeof source === 'object' && name in source) {
    const value = (source as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The places GitLab looks for a personal access token, in its order (§3.1). */
export function presentedToken(request: FastifyRequest): string | undefined {
  const fromParams = param(request.query, 'private_token') ?? param(request.body, 'private_token');
  if (fromParams !== undefined) return fromParams;
  const header = request.headers['private-token'];
  if (typeof header === 'string') return header;
  const authorization = request.headers.authorization;
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  return param(request.query, 'access_token');
}

export const authPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: ServiceContext }) => {
  app.decorateRequest('auth', null);

  // After body parsing (the token may be a body parameter), before validation: GitLab
  // authenticates before it validates parameters, so a bad token is a 401, not a 400.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const mode = request.routeOptions.config.auth ?? 'required';
    if (mode === 'none' || request.is404) return;
    const presented = presentedToken(request);
    if (presented === undefined) {
      // No token: a browser session may stand in for one. Scopes do not apply to it; the CSRF
      // token does, because a browser sends the cookie whoever built the request.
      const sessionId = request.cookies?.[SESSION_COOKIE];
      const signedIn = sessionId ? await authenticateSession(ctx, sessionId) : null;
      if (signedIn) {
        if (STATE_CHANGING_METHODS.has(request.method) && !csrfTokenMatches(signedIn.session.csrfToken, headerValue(request, 'x-csrf-token'))) {
          throw new HttpError(403, { message: '403 Forbidden - CSRF token invalid' });
        }
        request.auth = { user: signedIn.user, actor: actorOf(signedIn.user), token: null, session: signedIn.session };
        return;
      }
      if (mode === 'required' && !request.auth) throw new HttpError(401, { message: '401 Unauthorized' });
      return;
    }
    const outcome = await authenticateToken(ctx, presented, { path: request.url.split('?')[0]!, ip: request.ip });
    if (outcome.kind !== 'ok') throw authenticationError(outcome);
    const { extraScopes = [], anyScope = false } = request.routeOptions.config;
    const allowed = apiScopesFor(request.method, extraScopes);
    if (!anyScope && !hasAnyScope(outcome.token.scopes, allowed)) throw insufficientScope(allowed);
    request.auth = { user: outcome.user, actor: actorOf(outcome.user), token: outcome.token };
  });

  // last_used_at and IPs are written after the response: authentication itself never writes.
  app.addHook('onResponse', async (request: FastifyRequest, _reply: FastifyReply) => {
    const session = request.auth?.session;
    if (session) touchSession(ctx, session).catch((err: unknown) => request.log.warn({ err }, 'could not record session activity'));
    const token = request.auth?.token;
    if (!token) return;
    recordTokenUse(ctx, token, request.ip).catch((err: unknown) => request.log.warn({ err }, 'could not record token use'));
  });
});

/** The signed-in caller; routes with `auth: 'required'` always have one. */
export function caller(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new HttpError(401, { message: '401 Unauthorized' });
  return request.auth;
}
