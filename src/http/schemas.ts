import { Type, type TSchema, type Static, type TUnsafe } from '@fastify/type-provider-typebox';

/** A string limited to these values; a plain JSON-schema enum, so errors name the parameter. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const IntegerEnum = <const T extends readonly number[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'integer', enum: [...values], ...options });

/** `:id` of a group or project: a number or a URL-encoded full path. */
export const ResourceIdParams = Type.Object({
  id: Type.String({ description: 'ID or URL-encoded full path', minLength: 1, maxLength: 1024 }),
});

/**
 * The bounds of every integer parameter (issue 14): PostgreSQL's `integer` (ids are `serial`).
 * Beyond them a value is refused as Grape refuses a non-integer, `<name> is invalid`, and never
 * reaches a query. test/fuzz/integer-bounds.test.ts fails on an integer parameter without bounds.
 */
export const MIN_INTEGER = -2_147_483_648;
export const MAX_INTEGER = 2_147_483_647;

/** The id of a row, in a path, a query or a body: 1 … MAX_INTEGER. */
export const Id = (options: { description?: string } = {}) => Type.Integer({ minimum: 1, maximum: MAX_INTEGER, ...options });

const MAX_PAGE = 10_000_000;

/** Offset pagination (GitLab: page defaults to 1, per_page to 20, capped at 100). */
export const PaginationQuery = {
  // Bounded so that page × per_page stays a number the database takes as an offset.
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: 'Page number (default 1)' })),
  // Above 100 is read as 100, as GitLab does; the bound only keeps it an integer of the database's.
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INTEGER, description: 'Items per page (default 20, at most 100)' })),
};

export const DateString = (description: string) => Type.String({ format: 'date', description, examples: ['2027-01-31'] });

/**
 * Entity schemas: what the presenters output, field by field, beside each presenter. Each has an
 * `$id`; every one is a shared schema of the app (plugins/response-schemas.ts), which
 * @fastify/swagger lists under `components.schemas` by that name, and routes answer with
 * `Ref(schema)`. fast-json-stringify writes only the properties a schema lists, in its order, and
 * fails on a missing required one: every field a presenter outputs must be in its schema.
 */
const entities: TSchema[] = [];

export function Entity<T extends TSchema>(schema: T): T {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('An entity schema needs an $id');
  if (entities.some((e) => (e as { $id?: string }).$id === id)) throw new Error(`Two entity schemas are named ${id}`);
  entities.push(schema);
  return schema;
}

/** Every entity schema declared so far (all of them, once the presenters are loaded). */
export const entitySchemas = (): readonly TSchema[] => entities;

/** A reference to an entity, typed as the entity; `description` describes the response that carries it. */
export function Ref<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T>> {
  if (!entities.includes(schema)) throw new Error('Ref takes a schema declared with Entity');
  return Type.Unsafe<Static<T>>({ $ref: (schema as { $id?: string }).$id, ...(description === undefined ? {} : { description }) });
}

/**
 * `T` or null, as one type list (`type: ['string', 'null']`), not a union: fast-json-stringify
 * writes null as null without trying branches, and OpenAPI 3.0 gets `nullable: true`.
 */
export function Nullable<T extends TSchema>(schema: T, options: Record<string, unknown> = {}): TUnsafe<Static<T> | null> {
  const { type, enum: values, ...rest } = schema as { type?: unknown; enum?: unknown[] };
  if (typeof type !== 'string') throw new Error('Nullable takes a schema of one type');
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'], ...(values ? { enum: [...values, null] } : {}), ...options });
}

/** An ISO 8601 UTC time with milliseconds, as every `*_at` time in GitLab's entities. */
export const Timestamp = (description: string) => Type.String({ format: 'date-time', description, examples: ['2026-01-20T22:11:48.151Z'] });

/**
 * Every error body GitLab sends, in one schema: `{"message": "404 Group Not Found"}`, model errors
 * by attribute `{"message": {"url": ["is blocked"]}}`, Grape's parameter errors `{"error": "name is
 * missing"}`, and the OAuth-style token errors with `error_description` (and `scope`). Open to other
 * keys, so that a response schema never strips anything from an error.
 */
export const GitLabError = Entity(
  Type.Object(
    {
      message: Type.Optional(
        Type.Unsafe<string | Record<string, unknown>>({
          anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }],
          description: 'Status and reason ("404 Group Not Found"), or the invalid attributes, each with its messages ({"url": ["is blocked"]})',
        }),
      ),
      error: Type.Optional(Type.String({ description: 'A parameter error ("name is missing"), or invalid_token / insufficient_scope' })),
      error_description: Type.Optional(Type.String({ description: 'Why the token was refused (with invalid_token and insufficient_scope)' })),
      scope: Type.Optional(Type.String({ description: 'The scopes that would be accepted, space-separated (with insufficient_scope)' })),
      // Tollgate's own, only for a client that asks with `X-Tollgate-Errors: detailed` (docs/decisions/0003-error-codes.md).
      code: Type.Optional(Type.String({ description: 'Tollgate: the error catalogue code, also sent as X-Tollgate-Error-Code', examples: ['token_role_above_creator'] })),
      fields: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
          description: 'Tollgate: the message about each input field the error concerns',
        }),
      ),
    },
    { $id: 'GitLabError', additionalProperties: true, description: "An error, in one of GitLab's shapes" },
  ),
);

const ERROR_DESCRIPTIONS = {
  400: 'Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"})',
  401: 'No credentials, or an unknown, expired or revoked token',
  403: 'Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope)',
  404: 'Not found, or not visible to the caller',
  405: 'Not possible with this kind of credentials',
  409: 'Conflicts with an existing record',
  415: 'The body is not in a media type this route takes',
  422: 'Invalid attributes, each with its messages',
  429: 'Too many attempts; see Retry-After',
  500: 'Internal server error',
  503: 'Service unavailable',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error answers of a route, by status: `response: { 200: …, ...errorResponses(400, 401, 404) }`. */
export function errorResponses<const S extends readonly ErrorStatus[]>(...statuses: S): Record<S[number], TUnsafe<Static<typeof GitLabError>>> {
  return Object.fromEntries(statuses.map((status) => [status, Ref(GitLabError, ERROR_DESCRIPTIONS[status])])) as Record<S[number], TUnsafe<Static<typeof GitLabError>>>;
}

/** A 204 answer: no body (typed `undefined`, so that `reply.code(204).send()` takes no payload). */
export const NoContent = (description: string) => Type.Unsafe<undefined>({ type: 'null', description });

/**
 * A response that is not JSON (text, HTML, git's protocol): one schema per media type, as OpenAPI
 * puts it. Fastify never serializes strings, buffers or streams, so it reaches the client as sent.
 */
export const RawResponse = (description: string, mediaTypes: readonly string[], format?: 'binary') =>
  Type.Unsafe<string>({
    description,
    content: Object.fromEntries(mediaTypes.map((mediaType) => [mediaType, { schema: { type: 'string', ...(format ? { format } : {}) } }])),
  });

export type { Static, TSchema };
