import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import type { ServiceContext } from '../../services/context.js';

/** The OpenAPI document, generated from the route schemas, served at /api/v4/openapi.json. */
export const openApiPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: ServiceContext }) => {
  await app.register(swagger, {
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
  app.get('/api/v4/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
});
