import { Type, type TSchema, type Static } from '@fastify/type-provider-typebox';

/** A string limited to these values; a plain JSON-schema enum, so errors name the parameter. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const IntegerEnum = <const T extends readonly number[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'integer', enum: [...values], ...options });

/** `:id` of a group or project: a number or a URL-encoded full path. */
export const ResourceIdParams = Type.Object({
  id: Type.String({ description: 'ID or URL-encoded full path', minLength: 1, maxLength: 1024 }),
});

export const MAX_PAGE = 10_000_000;

/** Offset pagination (GitLab: page defaults to 1, per_page to 20, capped at 100). */
export const PaginationQuery = {
  // Bounded so that page × per_page stays a number the database takes as an offset.
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: 'Page number (default 1)' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, description: 'Items per page (default 20, at most 100)' })),
};

export const DateString = (description: string) => Type.String({ format: 'date', description, examples: ['2027-01-31'] });

export type { Static, TSchema };
