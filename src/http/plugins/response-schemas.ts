import fastJson from 'fast-json-stringify';
import type { FastifyInstance } from 'fastify';
import { entitySchemas } from '../schemas.js';

type Serializer = (data: unknown) => string;

/**
 * Makes the entity schemas (src/http/presenters) shared schemas of the app, which routes answer
 * with by reference (`Ref(GroupAccessTokenJson)`), and compiles one serializer per distinct
 * response schema. Fastify would compile one per route and status, and fast-json-stringify reads
 * every shared schema again for each: most routes answer with the same few schemas (GitLabError
 * for each error status, an entity or a list of one), so the app would start several times slower.
 */
export function registerResponseSchemas(app: FastifyInstance): void {
  for (const schema of entitySchemas()) app.addSchema(schema);
  const compiled = new Map<string, Serializer>();
  // The app's shared schemas as they are when the routes are compiled (at ready, after every addSchema).
  let external: Record<string, fastJson.Schema> | undefined;
  app.setSerializerCompiler(({ schema }) => {
    external ??= app.getSchemas() as Record<string, fastJson.Schema>;
    const key = serializationKey(schema);
    let serializer = compiled.get(key);
    if (!serializer) {
      // As Fastify's own compiler does: a shared schema used as a whole is not its own external.
      const { [(schema as { $id?: string }).$id ?? '']: _self, ...others } = external;
      serializer = fastJson(schema as fastJson.Schema, { schema: others }) as Serializer;
      compiled.set(key, serializer);
    }
    return serializer;
  });
}

/** What decides the output: a reference's target (its description is documentation), or the whole schema. */
function serializationKey(schema: unknown): string {
  const { $ref, description: _description, ...rest } = schema as { $ref?: unknown; description?: unknown };
  if (typeof $ref === 'string' && Object.keys(rest).length === 0) return `$ref ${$ref}`;
  return JSON.stringify(schema);
}
