import AjvCompiler from '@fastify/ajv-compiler';

type BuildValidator = ReturnType<typeof AjvCompiler>;

/** The first top-level parameter (or list element) that is a number but not a finite one. */
function nonFiniteParameter(values: unknown): string | null {
  if (!values || typeof values !== 'object') return null;
  for (const name in values) {
    const value = (values as Record<string, unknown>)[name];
    if ((typeof value === 'number' && !Number.isFinite(value)) || (Array.isArray(value) && value.some((item) => typeof item === 'number' && !Number.isFinite(item)))) {
      return name;
    }
  }
  return null;
}

/** Ruby's `Integer(text, 10)`, as Grape reads an Integer parameter: decimal digits, perhaps a sign. */
const DECIMAL_INTEGER = /^[+-]?\d+$/;

const typesInteger = (schema: unknown): boolean => {
  const type = (schema as { type?: unknown } | undefined)?.type;
  return type === 'integer' || (Array.isArray(type) && type.includes('integer'));
};

/**
 * The first top-level parameter that the schema makes an integer (or a list of them) but that
 * came as text other than decimal digits: Ajv would coerce `1e3`, `0x10`, `1.0` or ` 1` to a
 * number, where GitLab answers `<name> is invalid`.
 */
function nonDecimalInteger(schema: unknown, values: unknown): string | null {
  const properties = (schema as { properties?: Record<string, { type?: unknown; items?: unknown }> } | undefined)?.properties;
  if (!properties || !values || typeof values !== 'object') return null;
  for (const name in values) {
    if (!Object.hasOwn(properties, name)) continue;
    const property = properties[name]!;
    if (!typesInteger(property.type === 'array' ? property.items : property)) continue;
    const value = (values as Record<string, unknown>)[name];
    if ((Array.isArray(value) ? value : [value]).some((item) => typeof item === 'string' && !DECIMAL_INTEGER.test(item))) return name;
  }
  return null;
}

const invalidNumber = (name: string) => [{ keyword: 'type', instancePath: `/${name}`, schemaPath: '#/type', params: { type: 'integer' }, message: 'must be a decimal integer' }];

/**
 * Fastify's validators (Ajv), with two more rules. An integer parameter sent as text is written in
 * decimal digits (nonDecimalInteger). No parameter is a non-finite number: Ajv coerces a query,
 * path or form string such as `1e400` or `Infinity` to a number that is not finite, and then skips
 * `minimum` and `maximum` (they compare finite numbers only), so `?page=1e400` reached the
 * database as Infinity. Such values are refused as Ajv refuses any number of the wrong type:
 * `<name> is invalid` (JSON bodies cannot carry a non-finite number).
 */
export function finiteNumbersOnly(): BuildValidator {
  const buildValidator = AjvCompiler();
  return (externalSchemas, options) => {
    const compile = buildValidator(externalSchemas, options);
    return (route) => {
      const validate = compile(route);
      const validateFinite = (data: unknown) => {
        // Before Ajv, which coerces the text to a number in place.
        const nonDecimal = nonDecimalInteger(route.schema, data);
        if (nonDecimal !== null) {
          validateFinite.errors = invalidNumber(nonDecimal) as typeof validate.errors;
          return false;
        }
        const valid = validate(data);
        validateFinite.errors = validate.errors;
        if (!valid) return false;
        const name = nonFiniteParameter(data);
        if (name === null) return true;
        validateFinite.errors = [{ keyword: 'type', instancePath: `/${name}`, schemaPath: '#/type', params: { type: 'number' }, message: 'must be a finite number' }];
        return false;
      };
      validateFinite.errors = null as typeof validate.errors;
      // Fastify calls it and reads `errors`, as it does Ajv's own.
      return validateFinite as unknown as typeof validate;
    };
  };
}
