import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import { Type } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../../services/context.js';
import { errorResponses } from '../schemas.js';
import { registerResponseSchemas } from './response-schemas.js';

/**
 * The OpenAPI document, generated from the route schemas, served at /api/v4/openapi.json. The
 * entity schemas (src/http/presenters) are shared schemas of the whole app: routes reference them
 * by `$id`, fast-json-stringify resolves them, and the document lists them under
 * `components.schemas` by that same name (web/src/api-types.ts is generated from it).
 */
export const openApiPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: ServiceContext }) => {
  registerResponseSchemas(app);
  await app.register(swagger, {
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tollgate REST API v4',
        version: '0.1.0',
        description: "Group access tokens, personal access tokens and the resources they act on, in GitLab's REST API v4 shapes.",
      },
      servers: [{ url: ctx.config.externalUrl }],
      components: {
        securitySchemes: {
          privateToken: { type: 'apiKey', in: 'header', name: 'PRIVATE-TOKEN' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ privateToken: [] }, { bearer: [] }],
    },
  });
  app.get(
    '/api/v4/openapi.json',
    {
      config: { auth: 'none' },
      schema: {
        hide: true,
        response: {
          200: Type.Object({}, { additionalProperties: true, description: 'The OpenAPI 3.0 document of this API' }),
          ...errorResponses(500),
        },
      },
    },
    async () => app.swagger(),
  );
});
