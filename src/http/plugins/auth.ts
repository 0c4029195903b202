import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { failure } from '../../domain/errors.js';
import { apiScopesFor, hasAnyScope } from '../../domain/scopes.js';
import type { Authentication } from '../../services/authenticate.js';
import { authenticateBehindThrottle } from '../../services/failed-auth-throttle.js';
import type { Caller } from '../../services/caller.js';
import type { ServiceContext } from '../../services/context.js';
import { authenticateSession, csrfTokenMatches, touchSession } from '../../services/sessions.js';
import { errorResponses } from '../schemas.js';
import { HttpError, httpFailure } from './errors.js';

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
    /** Who is asking, built once here; null when anonymous (or before authentication). */
    caller: Caller | null;
  }
}

/** GitLab's answers for a token that cannot be used (§3.4). */
function authenticationError(outcome: Exclude<Authentication, { kind: 'ok' }>): HttpError {
  switch (outcome.kind) {
    case 'unknown':
      return httpFailure('unauthorized');
    case 'blocked':
      return httpFailure('account_blocked');
    case 'expired':
    case 'revoked':
    case 'ip_refused':
      return invalidTokenError(outcome.kind);
  }
}

const INVALID_TOKEN_CODES = { expired: 'token_expired', revoked: 'token_revoked', ip_refused: 'token_ip_refused' } as const;

/**
 * RFC 6750's body for an expired or revoked token, as GitLab answers it, with its challenge;
 * `challenge` replaces the API's WWW-Authenticate line (forward auth has its own realm). A token
 * used from outside its allowlist (Tollgate's own, issue 13) is answered the same way.
 */
export function invalidTokenError(kind: keyof typeof INVALID_TOKEN_CODES, challenge?: string): HttpError {
  const refused = failure(INVALID_TOKEN_CODES[kind]).error;
  const description = refused.message!;
  const wwwAuthenticate = challenge ?? `Bearer realm="The API", error="invalid_token", error_description="${description}"`;
  return new HttpError(401, { error: 'invalid_token', error_description: description }, { 'www-authenticate': wwwAuthenticate }, refused);
}

/** GitLab's Rack::Attack answer for a throttled client: `429 {"message":"Retry later"}` with Retry-After. */
export const throttledError = (retryAfterSeconds: number): HttpError => httpFailure('failed_auth_throttled', undefined, { 'retry-after': String(retryAfterSeconds) });

/** A token without any of the scopes a route accepts (RFC 6750's insufficient_scope, as GitLab answers). */
export function insufficientScope(allowed: readonly string[]): HttpError {
  const refused = failure('insufficient_scope').error;
  return new HttpError(403, { error: 'insufficient_scope', error_description: refused.message!, scope: allowed.join(' ') }, {}, refused);
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
function presentedToken(request: FastifyRequest): string | undefined {
  const fromParams = param(request.query, 'private_token') ?? param(request.body, 'private_token');
  if (fromParams !== undefined) return fromParams;
  const header = request.headers['private-token'];
  if (typeof header === 'string') return header;
  const authorization = request.headers.authorization;
  if (authorization && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '').trim();
  return param(request.query, 'access_token');
}

/**
 * The session cookie, parsed only here and only when no token was presented: cookies are not
 * parsed on every request (`@fastify/cookie` is registered by the session routes, which set it).
 */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? fastifyCookie.parse(header)[SESSION_COOKIE] : undefined;
}

export const authPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: ServiceContext }) => {
  app.decorateRequest('caller', null);
  // Any route that reads a token may answer the throttle's 429: documented on each (the OpenAPI
  // document and the web UI's types), without every route having to say it.
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (route.config?.auth !== 'none' && response && !('429' in response)) Object.assign(response, errorResponses(429));
  });
  ctx.tokenUsage.onError = (err: unknown) => app.log.warn({ err }, 'could not record token use');
  ctx.failedAuthThrottle.onError = (err: unknown) => app.log.warn({ err }, 'could not count a failed authentication');

  // After body parsing (the token may be a body parameter), before validation: GitLab
  // authenticates before it validates parameters, so a bad token is a 401, not a 400.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const { config } = request.routeOptions;
    const mode = config.auth ?? 'required';
    if (mode === 'none' || request.is404) return;
    const presented = presentedToken(request);
    if (presented === undefined) {
      // No token: a browser session may stand in for one. Scopes do not apply to it; the CSRF
      // token does, because a browser sends the cookie whoever built the request.
      const sessionId = sessionCookie(request);
      const signedIn = sessionId ? await authenticateSession(ctx, sessionId, request.ip) : null;
      if (signedIn) {
        if (STATE_CHANGING_METHODS.has(request.method) && !csrfTokenMatches(signedIn.session.csrfToken, headerValue(request, 'x-csrf-token'))) {
          throw httpFailure('csrf_token_invalid');
        }
        request.caller = signedIn;
        return;
      }
      if (mode === 'required' && !request.caller) throw httpFailure('unauthorized');
      return;
    }
    // Behind the failed-authentication throttle: an address that guessed too much this minute is
    // answered 429 before any lookup (a token that worked from it within the hour excepted).
    const outcome = await authenticateBehindThrottle(ctx, presented, { path: request.url.split('?')[0]!, ip: request.ip });
    if (outcome.kind === 'throttled') {
      app.countAuthentication('throttled', 'api');
      throw throttledError(outcome.retryAfterSeconds);
    }
    if (outcome.kind !== 'ok') {
      app.countAuthentication(outcome.kind, 'api');
      throw authenticationError(outcome);
    }
    const { extraScopes = [], anyScope = false } = config;
    const allowed = apiScopesFor(request.method, extraScopes);
    const scoped = anyScope || hasAnyScope(outcome.caller.token.scopes, allowed);
    app.countAuthentication(scoped ? 'ok' : 'insufficient_scope', 'api');
    if (!scoped) throw insufficientScope(allowed);
    request.caller = outcome.caller;
  });

  // last_used_at and IPs are written after the response: authentication itself never writes.
  app.addHook('onResponse', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const session = request.caller?.session;
    if (session) touchSession(ctx, session).catch((err: unknown) => request.log.warn({ err }, 'could not record session activity'));
    const token = request.caller?.token;
    if (token) ctx.tokenUsage.record(token, request.ip);
    done();
  });
});

/** The signed-in caller (401 when anonymous); routes with `auth: 'required'` always have one. */
export function requireCaller(request: FastifyRequest): Caller {
  if (!request.caller) throw httpFailure('unauthorized');
  return request.caller;
}

/** The signed-in caller, who must be an administrator (403 otherwise). */
export function requireAdmin(request: FastifyRequest): Caller {
  const caller = requireCaller(request);
  if (!caller.isAdmin) throw httpFailure('forbidden');
  return caller;
}
