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

/**
 * Fastify's validators (Ajv), with one more rule: no parameter is a non-finite number. Ajv
 * coerces a query, path or form string such as `1e400` or `Infinity` to a number that is not
 * finite, and then skips `minimum` and `maximum` (they compare finite numbers only), so
 * `?page=1e400` reached the database as Infinity. Such a value is refused as Ajv refuses any
 * number of the wrong type: `<name> is invalid` (JSON bodies cannot carry one).
 */
export function finiteNumbersOnly(): BuildValidator {
  const buildValidator = AjvCompiler();
  return (externalSchemas, options) => {
    const compile = buildValidator(externalSchemas, options);
    return (route) => {
      const validate = compile(route);
      const validateFinite = (data: unknown) => {
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
