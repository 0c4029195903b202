import { Type, type Static } from '@fastify/type-provider-typebox';
import { expiresAtMidnightUtc } from '../../domain/expiry.js';
import { introspectToken, type Introspection } from '../../services/introspection.js';
import { apiConventions } from '../plugins/api-conventions.js';
import { requireAdmin } from '../plugins/auth.js';
import { errorResponses } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

/**
 * `POST /oauth/introspect`: RFC 7662 token introspection for administrators (docs/forward-auth.md,
 * ../shared/INTEGRATIONS.md §5). Forward auth decides; this describes. The caller authenticates as
 * for the API (the auth plugin); the introspected token only comes in the form body, never logged.
 */

const INTROSPECT_PATH = '/oauth/introspect';

const IntrospectionBody = Type.Object(
  {
    token: Type.String({ description: 'The token to describe' }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64, description: 'Ignored: Tollgate has one type of token (RFC 7662 §2.1)' })),
  },
  { examples: [{ token: 'glpat-xxxxxxxxxxxxxxxxxxxx' }] },
);

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

/** RFC 7662 §2.2's members, and Tollgate's own for a group or project access token. */
const IntrospectionJson = Type.Object(
  {
    active: Type.Boolean({ description: 'Whether the token can be used now; false for an unknown, expired or revoked token or a blocked user, with no other member' }),
    scope: Type.Optional(Type.String({ description: "The token's scopes, space-separated", examples: ['read_api api'] })),
    exp: Type.Optional(Type.Integer({ description: 'When the token stops working (seconds since the epoch: 00:00 UTC on its expiry date); absent when it never expires' })),
    iat: Type.Optional(Type.Integer({ description: 'When the token was created (seconds since the epoch)' })),
    sub: Type.Optional(Type.String({ description: "The user's id (a bot user for a group or project access token)", examples: ['42'] })),
    username: Type.Optional(Type.String({ description: "The user's username" })),
    token_type: Type.Optional(Type.Literal('Bearer', { description: 'The OAuth 2.0 token type (RFC 6749 §7.1): Tollgate tokens are bearer tokens' })),
    jti: Type.Optional(Type.String({ description: "The token's id", examples: ['7'] })),
    group: Type.Optional(Type.String({ description: "Tollgate: the full path of the group whose group access token this is" })),
    project: Type.Optional(Type.String({ description: "Tollgate: the full path of the project whose project access token this is" })),
    access_level: Type.Optional(Type.Integer({ description: "Tollgate: the token's role in that group or project (10 Guest … 50 Owner)" })),
  },
  { description: 'RFC 7662 §2.2 introspection response' },
);

function introspectionJson(introspection: Introspection): Static<typeof IntrospectionJson> {
  if (!introspection.active) return { active: false };
  const { token, user, resource } = introspection;
  return {
    active: true,
    scope: token.scopes.join(' '),
    ...(token.expiresAt === null ? {} : { exp: seconds(expiresAtMidnightUtc(token.expiresAt)) }),
    iat: seconds(new Date(token.createdAt)),
    sub: String(user.id),
    username: user.username,
    token_type: 'Bearer',
    jti: String(token.id),
    ...(resource ? { [resource.kind]: resource.fullPath, access_level: resource.accessLevel } : {}),
  };
}

export async function introspectionRoutes(app: App, { ctx }: RouteOptions) {
  // No body is no parameters ("token is missing"); a NUL byte is refused before any lookup.
  apiConventions(app);
  // A description of a token is for its caller alone, errors included: no shared cache keeps one.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('cache-control', 'no-store');
    done();
  });
  app.post(
    INTROSPECT_PATH,
    {
      // Introspecting reads: read_api is enough for the administrator's own token.
      config: { extraScopes: ['read_api'] },
      schema: {
        // Outside the REST API's document, as Git's and the forward-auth endpoints are (showing it
        // means regenerating web/src/api-types.ts); the schemas below are complete for when it is.
        hide: true,
        tags: ['oauth'],
        summary: 'RFC 7662 token introspection (administrators)',
        description: 'The token in a form field `token`. Every answer has Cache-Control: no-store. The introspected token\'s last_used_at is not touched.',
        consumes: ['application/x-www-form-urlencoded'],
        body: IntrospectionBody,
        response: { 200: IntrospectionJson, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireAdmin(request);
      const introspection = await introspectToken(ctx, request.body.token, { path: INTROSPECT_PATH, ip: request.ip });
      app.countAuthentication(introspection.active ? 'ok' : introspection.authentication, 'introspection');
      return introspectionJson(introspection);
    },
  );
}
