import { Type } from '@fastify/type-provider-typebox';
import { findTokenByValue, revokeTokenByValue } from '../../services/admin-token.js';
import { requireAdmin } from '../plugins/auth.js';
import { unwrap } from '../plugins/errors.js';
import { PersonalAccessTokenJson, toTokenJson } from '../presenters/tokens.js';
import { errorResponses, NoContent, Ref } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

/**
 * GitLab's token information API (lib/api/admin/token.rb, docs/api.md): administrators look up or
 * revoke a token by its value. The value comes only in the body, which is never logged
 * (src/http/redaction.ts lists `token`), and is never answered back.
 */
const TokenBody = Type.Object(
  { token: Type.String({ description: 'The token (its value)' }) },
  { examples: [{ token: 'glpat-xxxxxxxxxxxxxxxxxxxx' }] },
);
const tags = ['admin'];
/** GitLab's failures: 422 for a value that is not a token, 404 `{"message":{"error":"Not found"}}` for one that matches none. */
const failures = errorResponses(400, 401, 403, 404, 422);

export async function adminTokenRoutes(app: App, { ctx }: RouteOptions) {
  app.post(
    '/admin/token',
    {
      schema: {
        tags,
        summary: 'Get information about a token, by its value (administrators)',
        description: 'Any personal, group or project access token. Not a use of the token: its last use is left unchanged.',
        body: TokenBody,
        response: { 200: Ref(PersonalAccessTokenJson), ...failures },
      },
    },
    async (request, reply) => {
      const token = unwrap(await findTokenByValue(ctx, requireAdmin(request), request.body.token));
      return reply.code(200).send(toTokenJson(token, ctx.clock.now()));
    },
  );

  app.delete(
    '/admin/token',
    {
      schema: {
        tags,
        summary: 'Revoke a token, by its value (administrators)',
        description: 'Revoked as any revocation of its kind is, with its audit event; a revoked token stays revoked (204).',
        body: TokenBody,
        response: { 204: NoContent('Revoked'), ...failures },
      },
    },
    async (request, reply) => {
      unwrap(await revokeTokenByValue(ctx, requireAdmin(request), request.body.token));
      return reply.code(204).send();
    },
  );
}
