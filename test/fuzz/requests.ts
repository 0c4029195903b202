import fc from 'fast-check';

/**
 * Requests to fuzz the API with, generated from its OpenAPI document: each path, query and body
 * field gets, now and then, a value its schema takes (so that requests reach the handlers and
 * succeed), otherwise a hostile one. A generated request names secrets (whose credentials, how
 * presented) and never holds one: fast-check prints the counterexample.
 */

interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}
interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema: JsonSchema;
}
type OpenApiDocument = {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
};

export interface Operation {
  /** `POST /api/v4/groups/{id}/access_tokens` */
  key: string;
  method: string;
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  body: JsonSchema | null;
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path'),
      queryParams: (op.parameters ?? []).filter((p) => p.in === 'query'),
      body: op.requestBody?.content['application/json']?.schema ?? null,
    })),
  );
}

export const CALLERS = ['admin', 'owner', 'reporter', 'bot', 'anonymous', 'browser'] as const;
export type CallerName = (typeof CALLERS)[number];

/** How the caller's credential travels, and what is done to it on the way. */
export interface Credentials {
  caller: CallerName;
  /** Tokens: PRIVATE-TOKEN, Bearer, Basic (token as password), `?private_token=`, or two different tokens at once. Sessions: the CSRF header sent right, not at all, or wrong. */
  via: 'private-token' | 'bearer' | 'basic' | 'query' | 'two-tokens' | 'csrf' | 'no-csrf' | 'wrong-csrf';
  mangle: 'none' | 'truncated' | 'extended' | 'upper-case' | 'padded' | 'empty' | 'huge' | { junk: string };
}

export type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: [string, string][] }
  | { kind: 'text'; contentType: string; text: string }
  /** Materialised when sent, so that a counterexample stays readable. */
  | { kind: 'deep'; depth: number }
  | { kind: 'oversized'; bytes: number };

export interface FuzzRequest {
  op: string;
  credentials: Credentials;
  /** Already percent-encoded, by name. */
  path: Record<string, string>;
  /** The query string, raw. */
  query: string;
  headers: Record<string, string>;
  body: Body | null;
  /** The client's address: 127.0.0.<n>, so that per-address limits see many clients. */
  client: number;
}

const NASTY_TEXTS = [
  '', ' ', '0', '-1', '1.5', '1e3', '1e400', '-1e400', 'NaN', 'Infinity', '9999999999999', '2147483648', '-2147483649', '00001', '+1', '0x10',
  'true', 'false', 'null', 'undefined', '[]', '{}', '__proto__', 'constructor', 'prototype', 'self', 'all', '..', '../..', '/', '//', '\\', '.',
  "' or 1=1 --", '"; drop table users; --', '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '%s%n', '\u0000', 'nul\u0000byte', '\u202e', '\ufeff',
  '\ud800', 'é', 'Å', '𝕏', '🦊', 'a\r\nSet-Cookie: x=1', '\t', 'root', 'ghost', 'api', 'read_api', 'admin_mode', 'sudo', 'glpat-aaaaaaaaaaaaaaaaaaaa',
  '2026-06-15', '2026-02-30', '0000-00-00', '9999-12-31', '2026-06-15T12:00:00Z', 'x'.repeat(256), 'x'.repeat(5000), '10.0.0.0/8', '::1/128', '999.1.1.1/99',
  'http://127.0.0.1/', 'http://hooks.invalid/x', 'file:///etc/passwd', 'javascript:alert(1)',
];

const nastyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_TEXTS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  // Any code point: control characters, lone surrogates.
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: false }), fc.bigInt()).map(String) },
);

const nastyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyText },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 2 ** 53, 2 ** 31, -(2 ** 31) - 1, 1e308)) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], [[]], { '': '' }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(nastyText, { maxLength: 4 }) },
);

/** Numbers out of every bound, in every spelling: as text (query, path, form) and as JSON numbers. */
const NUMBERISH_TEXTS = ['-1', '0', '1.5', '-0', '1e3', '1E2', '1e400', '-1e400', 'Infinity', 'NaN', '0x10', '0b1', '1_000', '+1', ' 1', '1 ', '9999999999999', '2147483648', '-2147483649', '18446744073709551616', '1' + '0'.repeat(400), ''];
const numberish: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERISH_TEXTS) },
  { weight: 2, arbitrary: fc.constantFrom(-1, 0, 1.5, -0, 1e3, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 64, 1e308, Number.MIN_VALUE) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt().map(String)) },
);
const DATEISH_TEXTS = ['2026-02-30', '2026-13-01', '0000-00-00', '99999-01-01', '2026-06-15T25:00:00Z', '2026-06-15T12:00:00+99:00', '1970-01-01', '-2026-01-01', 'today', '2026-6-1', '20260615'];

/** A hostile value aimed at the field's type, or any hostile value. */
function hostileFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const type = [schema.type].flat()[0];
  const aimed =
    type === 'integer' || type === 'number'
      ? numberish
      : type === 'boolean'
        ? fc.constantFrom('maybe', '2', '', 'TRUE', 'yes', 'null', 'on', 0, 1, -1, 't')
        : schema.format === 'date' || schema.format === 'date-time'
          ? fc.constantFrom(...DATEISH_TEXTS)
          : type === 'array'
            ? fc.oneof(nastyText, fc.array(nastyJson, { maxLength: 3 }), fc.constant(Array.from({ length: 1000 }, (_, i) => `v${i}`)))
            : nastyText;
  return fc.oneof({ weight: 2, arbitrary: aimed }, { weight: 1, arbitrary: nastyJson });
}

/** Header values Node can send (no CR, LF or other control characters but tab). */
const headerText = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((code) => String.fromCharCode(code)),
  maxLength: 60,
});

/** Every byte of UTF-8 percent-encoded but unreserved characters; lone surrogates become U+FFFD. */
export const percentEncoded = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** Raw URL text that no encoder makes: bad escapes, overlong and invalid UTF-8. */
const RAW_URL_TEXTS = ['%', '%zz', '%0', '%00', '%2e%2e', '%2E%2E%2F', '%C0%AF', '%E2%82%28', '%FF%FE', '%F4%90%80%80', '..', '.', '%252F'];

/** A value that the schema takes, roughly, to get past validation; `world` names what exists. */
function fitting(schema: JsonSchema, name: string, world: WorldValues): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = [schema.type].flat()[0];
  if (type === 'boolean') return fc.boolean();
  if (type === 'integer' || type === 'number') {
    if (/page$/.test(name)) return fc.integer({ min: 1, max: name === 'per_page' ? 100 : 3 });
    return fc.oneof(idOf(world), fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 500, 500) }));
  }
  if (type === 'array') return fc.array(fitting(schema.items ?? {}, name, world), { maxLength: 3 });
  if (schema.format === 'date') return fc.constantFrom('2026-06-16', '2026-07-01', '2027-06-15', '2026-06-14', '2030-01-01');
  if (schema.format === 'date-time') return fc.constantFrom('2026-06-01T00:00:00Z', '2026-06-15T11:00:00.000Z', '2027-01-01T00:00:00Z');
  if (type === 'string' || type === undefined) {
    if (name === 'email') return slug.map((s) => `${s}@example.com`);
    if (name === 'url') return fc.constantFrom('http://hooks.invalid/x', 'https://example.invalid/hook', 'http://10.0.0.1/', 'http://localhost/');
    if (name === 'namespace_id') return fc.constantFrom(...world.groups);
    if (name === 'login') return fc.constantFrom('root', 'nobody', ...world.usernames);
    if (name === 'grace_period_seconds') return fc.oneof(fc.integer({ min: 0, max: 86400 }), fc.constantFrom('60', '86401', 'x'));
    return slug;
  }
  return nastyJson;
}
const slug = fc.stringMatching(/^[a-z][a-z0-9_-]{0,14}$/);

/** Names of what exists in the fuzzed instance, for values that hit it. */
export interface WorldValues {
  ids: number[];
  /** Groups, and projects, by id and by full path (unencoded). */
  groups: string[];
  projects: string[];
  usernames: string[];
}

const sometimes = <T>(arbitrary: fc.Arbitrary<T>, freq = 2) => fc.option(arbitrary, { nil: undefined, freq });
/**
 * A hostile request gets a hostile value in a field now and then; a fitting one never (it is
 * there to get past validation and reach what the handlers do with fitting input).
 */
const fittingOrNasty = (schema: JsonSchema, name: string, world: WorldValues, hostile: boolean) =>
  SECRET_FIELDS.has(name)
    ? secretValue(hostile)
    : hostile
      ? fc.oneof({ weight: 3, arbitrary: fitting(schema, name, world) }, { weight: 1, arbitrary: hostileFor(schema) })
      : fitting(schema, name, world);

/**
 * Fields whose values the suite's leak check (test/support/leak-collector) takes for secrets, from
 * 8 characters on: such a value is one no other field ever gets, or the check would find it in
 * the audit log as the name of something and call it a leak.
 */
const SECRET_FIELDS = new Set(['password', 'token']);
const secretValue = (hostile: boolean): fc.Arbitrary<unknown> => {
  const unique = fc.string({ minLength: 1, maxLength: 30 }).map((text) => `secret:${text}`);
  return hostile ? fc.oneof(unique, nastyJson.filter((value) => typeof value !== 'string' || value.length < 8)) : unique;
};

/** Ids of what exists: mostly the first few of each table (the world's group, project, users, tokens). */
const idOf = (world: WorldValues) => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...world.ids.slice(0, 6)) }, { weight: 1, arbitrary: fc.constantFrom(...world.ids) });

/** `path`'s `{name}`: the `:id` of /groups and /projects is one of theirs, by id or by full path. */
function pathValue(path: string, name: string, world: WorldValues, hostile: boolean): fc.Arbitrary<string> {
  const resources = name !== 'id' ? null : path.startsWith('/api/v4/groups/') ? world.groups : path.startsWith('/api/v4/projects/') ? world.projects : null;
  const fittingValue = (resources ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...resources) }, { weight: 1, arbitrary: idOf(world) }) : idOf(world)).map(String);
  if (!hostile) return fittingValue.map(percentEncoded);
  return fc.oneof(
    { weight: 6, arbitrary: fittingValue.map(percentEncoded) },
    { weight: 2, arbitrary: nastyText.map(percentEncoded) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBERISH_TEXTS).map(percentEncoded) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_URL_TEXTS) },
  );
}

const scalarText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

function queryOf(op: Operation, world: WorldValues, hostile: boolean): fc.Arbitrary<string> {
  if (!hostile) {
    const params = op.queryParams.map((param) => sometimes(fitting(param.schema, param.name, world).map((value) => `${param.name}=${percentEncoded(scalarText(value))}`), 3));
    return fc.tuple(...params).map((pieces) => pieces.filter(Boolean).join('&'));
  }
  const declared = op.queryParams.length
    ? fc.constantFrom(...op.queryParams).chain((param) =>
        fc.oneof(
          { weight: 4, arbitrary: fittingOrNasty(param.schema, param.name, world, true).map((value) => `${param.name}=${percentEncoded(scalarText(value))}`) },
          // An array where a scalar belongs, both ways Rack reads one.
          { weight: 2, arbitrary: hostileFor(param.schema).map((value) => `${param.name}=${percentEncoded(scalarText(value))}`) },
          { weight: 1, arbitrary: fc.tuple(nastyText, nastyText).map(([a, b]) => `${param.name}=${percentEncoded(a)}&${param.name}=${percentEncoded(b)}`) },
          { weight: 1, arbitrary: nastyText.map((value) => `${param.name}[]=${percentEncoded(value)}`) },
          { weight: 1, arbitrary: fc.constantFrom(...RAW_URL_TEXTS).map((raw) => `${param.name}=${raw}`) },
        ),
      )
    : fc.constant('');
  const piece = fc.oneof(
    { weight: 6, arbitrary: declared },
    { weight: 1, arbitrary: fc.tuple(nastyText, nastyText).map(([name, value]) => `${percentEncoded(name)}=${percentEncoded(value)}`) },
    { weight: 1, arbitrary: fc.constantFrom('&', '=', '&&=&', '[]=', 'a[b][c]=1', '__proto__[x]=1', ...RAW_URL_TEXTS) },
  );
  return fc.array(piece, { maxLength: 4 }).map((pieces) => pieces.filter(Boolean).join('&'));
}

function bodyObject(op: Operation, world: WorldValues, hostile: boolean): fc.Arbitrary<Record<string, unknown>> {
  const properties = op.body?.properties ?? {};
  const required = new Set(op.body?.required ?? []);
  // fc.option's freq: absent once in `freq` times.
  const fields = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => [name, sometimes(fittingOrNasty(schema, name, world, hostile), required.has(name) ? 8 : 2)]),
  );
  const extra = fc.dictionary(fc.oneof(nastyText, fc.constantFrom('private_token', 'id', 'user_id', 'admin', 'revoked', 'token_digest')), nastyJson, { maxKeys: 2 });
  return fc.tuple(fc.record(fields), hostile ? sometimes(extra, 4) : fc.constant(undefined)).map(([declared, more]) => {
    const entries = Object.entries({ ...more, ...declared }).filter(([, value]) => value !== undefined);
    return Object.fromEntries(entries);
  });
}

const formFields = (value: Record<string, unknown>): [string, string][] =>
  Object.entries(value).flatMap(([name, field]): [string, string][] =>
    Array.isArray(field) ? field.map((item): [string, string] => [`${name}[]`, scalarText(item)]) : [[name, scalarText(field)]],
  );

const BROKEN_JSON = ['{', '{"name":', '{"name":"x",}', "{'name':'x'}", '{"name":"x"}garbage', 'nul', '\u0000', '{"a":1e999999}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', ' '];

function bodyOf(op: Operation, world: WorldValues, hostile: boolean): fc.Arbitrary<Body | null> {
  const object = bodyObject(op, world, hostile);
  const writes = op.method === 'POST' || op.method === 'PUT';
  if (!hostile) return writes ? object.map((value): Body => ({ kind: 'json', value })) : fc.constant(null);
  return fc.oneof(
    { weight: writes ? 2 : 12, arbitrary: fc.constant(null) },
    { weight: writes ? 12 : 1, arbitrary: object.map((value): Body => ({ kind: 'json', value })) },
    { weight: 2, arbitrary: object.map((value): Body => ({ kind: 'form', fields: formFields(value) })) },
    { weight: 1, arbitrary: fc.tuple(nastyText, nastyText).map(([name, value]): Body => ({ kind: 'form', fields: [[`__proto__[${name}]`, value], [name, value]] })) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_JSON).map((text): Body => ({ kind: 'text', contentType: 'application/json', text })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value): Body => ({ kind: 'text', contentType: 'application/json', text: JSON.stringify(value) })) },
    // Duplicate keys: the last one wins in JSON.parse; the first one must not slip past validation.
    {
      weight: 1,
      arbitrary: fc.tuple(object, nastyJson).map(([value, second]): Body => {
        const [first] = Object.keys(value);
        const text = JSON.stringify(value);
        return { kind: 'text', contentType: 'application/json', text: first ? `${text.slice(0, -1)},${JSON.stringify(first)}:${JSON.stringify(second ?? null)}}` : text };
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}').map((text): Body => ({ kind: 'text', contentType: 'application/json', text })) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 100_000 }).map((depth): Body => ({ kind: 'deep', depth })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx', 'application/x-www-form-urlencoded; charset=latin1', '*/*', 'application/vnd.api+json', ';', 'application/json, text/plain'),
          object,
        )
        .map(([contentType, value]): Body => ({ kind: 'text', contentType, text: JSON.stringify(value) })),
    },
    { weight: 1, arbitrary: fc.constantFrom(1_100_000, 3_000_000).map((bytes): Body => ({ kind: 'oversized', bytes })) },
  );
}

/** Each caller, its credential as it should be sent; in hostile requests, also sent otherwise or damaged. */
function credentialsOf(hostile: boolean): fc.Arbitrary<Credentials> {
  const tokenVia = hostile
    ? fc.constantFrom('private-token' as const, 'private-token' as const, 'bearer' as const, 'bearer' as const, 'basic' as const, 'query' as const, 'two-tokens' as const)
    : fc.constantFrom('private-token' as const, 'bearer' as const);
  const sessionVia = hostile ? fc.constantFrom('csrf' as const, 'csrf' as const, 'no-csrf' as const, 'wrong-csrf' as const) : fc.constant('csrf' as const);
  const mangle: fc.Arbitrary<Credentials['mangle']> = hostile
    ? fc.oneof(
        { weight: 12, arbitrary: fc.constant('none' as const) },
        { weight: 1, arbitrary: fc.constantFrom('truncated' as const, 'extended' as const, 'upper-case' as const, 'padded' as const, 'empty' as const, 'huge' as const) },
        { weight: 1, arbitrary: headerText.map((junk) => ({ junk })) },
      )
    : fc.constant('none' as const);
  return fc.constantFrom(...CALLERS).chain((caller) => fc.record({ caller: fc.constant(caller), via: caller === 'browser' ? sessionVia : tokenVia, mangle }));
}

const EXTRA_HEADERS: Record<string, fc.Arbitrary<string>> = {
  accept: fc.constantFrom('application/json', 'text/html', '*/*', '', 'application/xml', 'image/png;q=0.1'),
  'x-tollgate-errors': fc.constantFrom('detailed', 'x'),
  'x-request-id': headerText,
  'x-forwarded-for': headerText,
  'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x'),
  sudo: fc.constantFrom('root', '1', '0', 'ghost'),
  'user-agent': headerText,
  cookie: headerText,
  'if-none-match': headerText,
  'accept-encoding': fc.constantFrom('gzip', 'br, deflate', '*', 'x'),
};
/** One or two of them. */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .uniqueArray(fc.constantFrom(...Object.keys(EXTRA_HEADERS)), { minLength: 1, maxLength: 2 })
  .chain((names) => fc.record(Object.fromEntries(names.map((name) => [name, EXTRA_HEADERS[name]!]))));

function requestTo(op: Operation, world: WorldValues, hostile: boolean): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    op: fc.constant(op.key),
    credentials: credentialsOf(hostile),
    path: fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, pathValue(op.path, p.name, world, hostile)]))) as fc.Arbitrary<Record<string, string>>,
    query: queryOf(op, world, hostile),
    headers: hostile ? sometimes(extraHeaders, 3).map((headers) => headers ?? {}) : fc.constant({}),
    body: bodyOf(op, world, hostile),
    client: fc.integer({ min: 2, max: 254 }),
  });
}

/** A request to one of `operations`, by one of the callers: one in three fitting, the others hostile. */
export function fuzzRequests(operations: Operation[], world: WorldValues): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...operations.map((op) => fc.oneof({ weight: 1, arbitrary: requestTo(op, world, false) }, { weight: 2, arbitrary: requestTo(op, world, true) })));
}
