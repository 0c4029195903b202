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
      serializer = fastJson(schema as fastJson.Schema, { schema: referencedSchemas(schema, external) }) as Serializer;
      compiled.set(key, serializer);
    }
    return serializer;
  });
}

/**
 * The shared schemas that `schema` refers to, and those they refer to: fast-json-stringify checks
 * every external schema it is given against the JSON Schema meta-schema, so handing each compile
 * all of the app's shared schemas cost a tenth of a second at every start. As Fastify's own
 * compiler does, a shared schema used as a whole is not its own external.
 */
function referencedSchemas(schema: unknown, external: Record<string, fastJson.Schema>): Record<string, fastJson.Schema> {
  const self = (schema as { $id?: string }).$id;
  const found: Record<string, fastJson.Schema> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const id = value.split('#')[0]!;
        if (id !== self && id in external && !(id in found)) visit((found[id] = external[id]!));
      } else {
        visit(value);
      }
    }
  };
  visit(schema);
  return found;
}

/** What decides the output: a reference's target (its description is documentation), or the whole schema. */
function serializationKey(schema: unknown): string {
  const { $ref, description: _description, ...rest } = schema as { $ref?: unknown; description?: unknown };
  if (typeof $ref === 'string' && Object.keys(rest).length === 0) return `$ref ${$ref}`;
  return JSON.stringify(schema);
}
