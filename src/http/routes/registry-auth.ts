import { Type } from '@fastify/type-provider-typebox';
import { MAX_REQUESTED_SCOPES, REGISTRY_ERRORS, requestedScopes } from '../../domain/registry-access.js';
import { issueRegistryToken, registrySigningKey } from '../../services/registry-tokens.js';
import { parseGitCredentials } from '../git/request.js';
import { paramError } from '../plugins/errors.js';
import { errorResponses } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

/**
 * `GET /jwt/auth`: the token service of a container registry (docker distribution's token auth),
 * GitLab's way (INTEGRATIONS.md §2): HTTP Basic with a Tollgate token as the password, or nothing
 * for an anonymous pull; a JWT granting what the caller may do to the images asked for.
 */

const tags = ['container registry'];

const RegistryTokenQuery = Type.Object({
  service: Type.Optional(Type.String({ maxLength: 255, description: 'The registry asking: container_registry', examples: ['container_registry'] })),
  scope: Type.Optional(
    Type.Array(Type.String({ maxLength: 1024 }), {
      maxItems: 16,
      description: 'What the client wants, `repository:<project full path>[/<image>]:<actions>` (pull, push, delete, *) or `registry:catalog:*`; repeatable, and each may hold several separated by spaces',
      examples: [['repository:my-group/my-project:pull,push']],
    }),
  ),
  account: Type.Optional(Type.String({ maxLength: 255, description: 'The client\'s username; accepted and not used' })),
  client_id: Type.Optional(Type.String({ maxLength: 255, description: 'Accepted and not used' })),
});

const RegistryToken = Type.Object(
  {
    token: Type.String({ description: 'The JWT (RS256) for `Authorization: Bearer` at the registry' }),
    access_token: Type.String({ description: 'The same JWT (Docker token spec: both may appear)' }),
    expires_in: Type.Integer({ description: 'Seconds the token is valid (the container_registry_token_expire_delay setting, default 300)' }),
    issued_at: Type.String({ format: 'date-time', description: 'When it was issued (RFC 3339, UTC)' }),
  },
  { description: 'A token granting what the caller may do to the images asked for; what is not granted is left out of its `access` claim' },
);

/** GitLab's Docker-style error body: `{"errors": [{"code", "message"}]}`. */
const RegistryErrors = (description: string, example: { code: string; message: string }) =>
  Type.Object({ errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })) }, { description, examples: [{ errors: [example] }] });

export async function registryAuthRoutes(app: App, { ctx }: RouteOptions) {
  // Made at start when the registry is enabled (INTEGRATIONS.md §7), but not waited for here: a
  // 4096-bit key can take longer than Fastify lets a plugin start on a slow machine. The first
  // token request waits for it instead.
  const signingKey = registrySigningKey(ctx);
  signingKey.catch((error: unknown) => app.log.error({ err: error }, 'the registry signing key could not be made'));

  app.get(
    '/jwt/auth',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Container registry token (docker login, docker pull and push; skopeo)',
        description:
          "GitLab's JWT auth for a docker distribution registry: HTTP Basic with any non-blank username and a personal, group or project access token as the password, or no credentials for public images. Pull needs read_registry, read_api or api and Reporter (or a public project, or an internal one); push needs write_registry or api, Developer, and pull; delete and * need api and Maintainer.",
        querystring: RegistryTokenQuery,
        response: {
          200: RegistryToken,
          ...errorResponses(400),
          401: RegistryErrors('An unknown, expired, revoked or rotated-away token (counted towards the Git IP ban)', REGISTRY_ERRORS.unauthorized),
          403: RegistryErrors('The token has no registry scope, an anonymous caller was granted nothing, a blocked account, or a banned IP address', REGISTRY_ERRORS.denied),
          404: RegistryErrors('No TOLLGATE_REGISTRY_URL; or, with an empty body, a service other than container_registry', REGISTRY_ERRORS.unavailable),
        },
      },
    },
    async (request, reply) => {
      const scopes = requestedScopes(request.query.scope ?? []);
      if (scopes.length > MAX_REQUESTED_SCOPES) throw paramError(`scope has more than ${MAX_REQUESTED_SCOPES} values`);
      const outcome = await issueRegistryToken(ctx, await signingKey, {
        service: request.query.service,
        scopes,
        credentials: parseGitCredentials(request.headers.authorization),
        ip: request.ip,
        path: request.url.split('?', 1)[0]!,
      });
      if (outcome.authentication) app.countAuthentication(outcome.authentication, 'registry');
      // As for git: the request log names the caller, and the auth plugin records the token's use.
      request.caller = outcome.caller;
      // A token, or a refusal about one: never kept by a cache (RFC 6749 §5.1).
      reply.header('cache-control', 'no-store');
      if (!outcome.ok) {
        if (outcome.error) return reply.code(outcome.status).send({ errors: [outcome.error] });
        // GitLab's `head :not_found`: no body at all (the schema describes the 404s that have one).
        return reply.code(404).send(undefined as never);
      }
      return { token: outcome.token, access_token: outcome.token, expires_in: outcome.expiresInSeconds, issued_at: outcome.issuedAt };
    },
  );
}
