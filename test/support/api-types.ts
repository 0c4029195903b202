import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { createHarness } from './harness.js';

/**
 * The web UI's types, generated from the OpenAPI document the route schemas produce: one source of
 * truth for what the API answers. `npm run generate:api-types` (scripts/generate-api-types.mjs)
 * writes them; test/operations/api-types.test.ts fails while the committed file is out of date.
 */
export const API_TYPES_FILE = 'web/src/api-types.ts';

const HEADER = `/**
 * GENERATED FILE: do not edit. Tollgate's REST API as TypeScript types, written by openapi-typescript
 * from the OpenAPI document (GET /api/v4/openapi.json) that the route and presenter schemas
 * (src/http/routes, src/http/presenters) produce. After changing a schema, run
 *
 *     npm run generate:api-types
 *
 * and commit the result (test/operations/api-types.test.ts fails while this file is out of date).
 */

`;

/** The OpenAPI document, from the app built in-process as the route tests build it. */
async function openApiDocument(): Promise<OpenAPI3> {
  const h = await createHarness('sqlite');
  try {
    const res = await h.app.inject({ method: 'GET', url: '/api/v4/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /api/v4/openapi.json answered ${res.statusCode}: ${res.body}`);
    return res.json() as OpenAPI3;
  } finally {
    await h.close();
  }
}

/** The content of web/src/api-types.ts: the same document always gives the same text. */
export async function generateApiTypes(document?: OpenAPI3): Promise<string> {
  const ast = await openapiTS(document ?? (await openApiDocument()), { silent: true });
  return HEADER + astToString(ast);
}
