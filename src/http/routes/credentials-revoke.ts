import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { countRevokeCall, MAX_REPORTED_CREDENTIALS, reportLeakedCredentials } from '../../services/leak-revocation.js';
import { httpFailure, paramError } from '../plugins/errors.js';
import { errorResponses } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

/**
 * `POST /api/v4/credentials/revoke`: public leak revocation (issue 13; Tollgate's own, after
 * GitHub's POST /credentials/revoke). Anyone may report values found in a paste or a repository;
 * credentials are never looked at. The answer is always 202 and never depends on the values: they
 * are only queued (src/services/leak-revocation.ts), and the `leak-revocation` job revokes the
 * active ones within seconds.
 */

const CredentialsBody = Type.Object(
  {
    credentials: Type.Array(Type.String(), {
      minItems: 1,
      maxItems: MAX_REPORTED_CREDENTIALS,
      description: `The values to revoke, 1 to ${MAX_REPORTED_CREDENTIALS}: any string; those that cannot be tokens are ignored`,
    }),
  },
  { examples: [{ credentials: ['glpat-xxxxxxxxxxxxxxxxxxxx'] }] },
);

const AcceptedJson = Type.Object({ message: Type.Literal('202 Accepted') }, { description: 'Queued: active tokens among the values are revoked within 5 seconds' });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Grape's view of the body before the schema's: a body that is not an object has no parameters
 * ("credentials is missing"); a list must hold strings only (the schema would coerce numbers).
 */
function checkBodyShape(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) {
  if (!isObject(request.body)) request.body = {};
  const { credentials } = request.body as Record<string, unknown>;
  const strings = typeof credentials === 'string' || (Array.isArray(credentials) && credentials.every((value) => typeof value === 'string'));
  if (credentials !== undefined && !strings) return done(paramError('credentials is invalid'));
  done();
}

export async function credentialsRevokeRoutes(app: App, { ctx }: RouteOptions) {
  app.post(
    '/credentials/revoke',
    {
      config: { auth: 'none' },
      // Every call counts towards the IP's hourly limit, valid or not: counted before the body is read.
      onRequest: async (request) => {
        const admission = await countRevokeCall(ctx, request.ip);
        if (!admission.allowed) throw httpFailure('credentials_revoke_limited', undefined, { 'retry-after': String(admission.retryAfterSeconds) });
      },
      preValidation: checkBodyShape,
      schema: {
        tags: ['credentials'],
        summary: 'Report leaked tokens for revocation (no authentication; Tollgate\'s own, as GitHub\'s POST /credentials/revoke)',
        description:
          'Always 202 for a valid body, whether the values were active, revoked or unknown. Active tokens are revoked within 5 seconds; ' +
          'their group\'s or project\'s audit log (a personal token\'s user) records `token_revoked_leak_report` and the people responsible are emailed. ' +
          'Limited per IP per hour (application setting `credentials_revoke_limit_per_hour`, default 60): 429 with Retry-After.',
        body: CredentialsBody,
        response: { 202: AcceptedJson, ...errorResponses(400, 415, 429) },
      },
    },
    async (request, reply) => {
      await reportLeakedCredentials(ctx, request.body.credentials, request.ip);
      return reply.code(202).send({ message: '202 Accepted' });
    },
  );
}
