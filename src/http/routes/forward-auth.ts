import { Type } from '@fastify/type-provider-typebox';
import type { IncomingHttpHeaders } from 'node:http';
import { ASSIGNABLE_ACCESS_LEVELS } from '../../domain/access-levels.js';
import { forwardAuthChallenge, forwardAuthRequirement, originalOperation, type ForwardAuthRequirement } from '../../domain/forward-auth.js';
import { ADMIN_SCOPES, PERSONAL_ACCESS_TOKEN_SCOPES } from '../../domain/scopes.js';
import { decideForwardAuth, type ForwardAuthDecision, type ForwardAuthRefusal, type PresentedCredential } from '../../services/forward-auth.js';
import { parseGitCredentials } from '../git/request.js';
import { insufficientScope, invalidTokenError, throttledError } from '../plugins/auth.js';
import { httpFailure, unwrap, type HttpError } from '../plugins/errors.js';
import { GitLabError, IntegerEnum, Ref, StringEnum, errorResponses } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

/**
 * `/-/forward-auth`: the decision a reverse proxy asks for before it lets a request through
 * (nginx `auth_request`, Traefik `forwardAuth`, Caddy `forward_auth`; docs/forward-auth.md,
 * ../shared/INTEGRATIONS.md Part B). Only 200, 401 and 403 answer a decision: nginx turns any
 * other status into a 500 (§6.1). A query the operator got wrong is a 400 (nginx: a loud 500); a
 * client held by the failed-authentication throttle a 429 (nginx: a 500, closed all the same).
 */

const FORWARD_AUTH_PATH = '/-/forward-auth';

/** Identity for the upstream, every value non-empty (INTEGRATIONS.md §6.7); the proxy copies them. */
const IDENTITY_HEADERS = {
  'x-tollgate-user-id': 'The user id (a bot user for a group or project access token)',
  'x-tollgate-username': 'The username',
  'x-tollgate-token-id': 'The token id',
  'x-tollgate-scopes': "The token's scopes, space-separated",
  'x-tollgate-access-level': "The user's effective role on the group or project (10 Guest … 50 Owner; administrators 50)",
} as const;

const SEGMENT = '[A-Za-z0-9_][A-Za-z0-9_.-]*';
/** A group's full path is one segment or more, a project's two or more; no '%', NUL or '..' reaches a lookup. */
const FullPath = (minSegments: 1 | 2, description: string) =>
  Type.String({ pattern: `^${SEGMENT}(/${SEGMENT})${minSegments === 1 ? '*' : '+'}$`, maxLength: 4096, description });

const ForwardAuthQuery = Type.Object(
  {
    group: Type.Optional(FullPath(1, "The group's full path (`acme/platform`); exactly one of group and project")),
    project: Type.Optional(FullPath(2, "The project's full path (`acme/platform/api`); exactly one of group and project")),
    scope: Type.Optional(
      Type.Array(StringEnum([...PERSONAL_ACCESS_TOKEN_SCOPES, ...ADMIN_SCOPES]), {
        maxItems: 20,
        description: 'Repeatable: the token needs one of these scopes (default: read_api or api for reads, api for writes)',
      }),
    ),
    min_access_level: Type.Optional(IntegerEnum(ASSIGNABLE_ACCESS_LEVELS, { description: 'The lowest role let through (default: 20 Reporter for reads, 30 Developer for writes)' })),
    challenge: Type.Optional(StringEnum(['bearer', 'basic'] as const, { description: 'The 401 challenge: Bearer (default) or Basic (browsers and git then ask for credentials)' })),
  },
  // An unknown parameter is refused rather than ignored: a misspelt `min_access_level` would open the gate wider.
  { additionalProperties: Type.Never() },
);

const headerText = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/**
 * The token: `PRIVATE-TOKEN`, `Authorization: Bearer`, or HTTP Basic with the token as the password
 * (any username). Another scheme is no credentials at all, as for Git.
 */
function presentedCredential(headers: IncomingHttpHeaders): PresentedCredential {
  const privateToken = headerText(headers['private-token']);
  if (privateToken !== undefined) return privateToken === '' ? { kind: 'malformed' } : { kind: 'token', token: privateToken };
  const authorization = headers.authorization;
  if (authorization === undefined) return { kind: 'none' };
  if (/^bearer(\s|$)/i.test(authorization)) {
    const token = authorization.replace(/^bearer/i, '').trim();
    return token === '' ? { kind: 'malformed' } : { kind: 'token', token };
  }
  const basic = parseGitCredentials(authorization);
  if (basic.kind === 'basic') return basic.password === '' ? { kind: 'malformed' } : { kind: 'token', token: basic.password };
  return basic.kind === 'malformed' ? { kind: 'malformed' } : { kind: 'none' };
}

/** The refusal in the API's shapes (docs/api.md "Common rules"), with this endpoint's one challenge line. */
function refusalError(refusal: ForwardAuthRefusal, requirement: ForwardAuthRequirement): HttpError {
  switch (refusal.reason) {
    case 'missing':
    case 'unknown':
      return httpFailure('unauthorized', undefined, { 'www-authenticate': forwardAuthChallenge(requirement.challenge, refusal.reason === 'unknown') });
    case 'expired':
    case 'revoked':
    case 'ip_refused':
      return invalidTokenError(refusal.reason, forwardAuthChallenge(requirement.challenge, true));
    case 'insufficient_scope':
      return insufficientScope(requirement.scopes);
    case 'throttled':
      return throttledError(refusal.retryAfterSeconds);
    case 'blocked':
      return httpFailure('account_blocked');
    case 'forbidden':
      return httpFailure('forbidden');
  }
}

/** The decision as tollgate_authentications_total counts it; nothing when no token was looked at. */
function authenticationOutcome(decision: ForwardAuthDecision) {
  if (decision.ok || decision.reason === 'forbidden') return 'ok';
  return decision.reason === 'missing' ? undefined : decision.reason;
}

export async function forwardAuthRoutes(app: App, { ctx }: RouteOptions) {
  // Any method may ask (Traefik's preserveRequestMethod, APISIX's POST), with any body: never read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // Every answer, errors included: a cached decision would outlive a revocation (INTEGRATIONS.md §1).
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('cache-control', 'no-store');
    done();
  });

  app.all(
    FORWARD_AUTH_PATH,
    {
      config: { auth: 'none' },
      exposeHeadRoute: false,
      schema: {
        // A protocol for proxies, on every method: outside the REST API's document, as Git's is.
        hide: true,
        tags: ['forward-auth'],
        summary: 'Forward auth for reverse proxies: may this token reach the service behind the proxy?',
        description: [
          "The original method is the stricter of X-Forwarded-Method and X-Original-Method, else this request's; reads are GET, HEAD and OPTIONS.",
          'The token comes in PRIVATE-TOKEN, Authorization: Bearer, or Basic with the token as password. Every answer has Cache-Control: no-store.',
        ].join(' '),
        security: [{ privateToken: [] }, { bearer: [] }],
        querystring: ForwardAuthQuery,
        response: {
          200: Type.Unsafe<undefined>({
            type: 'null',
            description: 'Allowed: an empty body and the identity headers, for the proxy to pass upstream',
            headers: Object.fromEntries(Object.entries(IDENTITY_HEADERS).map(([name, description]) => [name, { type: 'string', description }])),
          }),
          ...errorResponses(400),
          401: Ref(
            GitLabError,
            'No token, or an unknown, expired or revoked one; one WWW-Authenticate line (Bearer realm="Tollgate", or Basic with challenge=basic)',
          ),
          403: Ref(
            GitLabError,
            'The token lacks the scope (insufficient_scope), its user may not see the group or project or has too low a role there, the group or project does not exist, or the user is blocked',
          ),
          429: Ref(GitLabError, "Too many failed token authentications from the client's address this minute (application setting api_failed_auth_limit_per_minute); see Retry-After"),
        },
      },
    },
    async (request, reply) => {
      const operation = originalOperation({
        forwarded: headerText(request.headers['x-forwarded-method']),
        original: headerText(request.headers['x-original-method']),
        own: request.method,
      });
      const requirement = unwrap(forwardAuthRequirement(request.query, operation));
      const decision = await decideForwardAuth(ctx, { credential: presentedCredential(request.headers), requirement, ip: request.ip, path: FORWARD_AUTH_PATH });
      const outcome = authenticationOutcome(decision);
      if (outcome) app.countAuthentication(outcome, 'forward_auth');
      if (!decision.ok) {
        // A token refused for its role was still used: the request log names it, its use is recorded.
        if ('caller' in decision) request.caller = decision.caller;
        throw refusalError(decision, requirement);
      }
      // As for git: the request log names the caller, the auth plugin records the token's use after the response.
      request.caller = decision.caller;
      const { user, token } = decision.caller;
      reply.headers({
        'x-tollgate-user-id': String(user.id),
        'x-tollgate-username': user.username,
        'x-tollgate-token-id': String(token.id),
        'x-tollgate-scopes': token.scopes.join(' '),
        'x-tollgate-access-level': String(decision.accessLevel),
      });
      return reply.code(200).send();
    },
  );
}
