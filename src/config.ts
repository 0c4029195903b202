import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import envSchema from 'env-schema';
// TypeBox itself (which @fastify/type-provider-typebox re-exports): configuration needs nothing of the HTTP layer.
import { Type, type Static } from 'typebox';
import { DEFAULT_PASSWORD_HASH_COST, MAX_PASSWORD_HASH_COST, MIN_PASSWORD_HASH_COST, MIN_PASSWORD_LENGTH } from './services/passwords.js';
import { isPostgresUrl } from './store/database.js';

/** The environment, read and validated once at start (docs/operator-guide.md: configuration). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  /** The public base URL without a trailing slash. */
  externalUrl: string;
  smtpUrl: string | null;
  secret: string | null;
  initialRootPassword: string | null;
  logLevel: string;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges). Without them,
   * behind a proxy every client would share the proxy's IP for bans, throttles and last-used IPs.
   */
  trustedProxies: string[];
  /** Lets a scraper that is not on loopback read /metrics with `Authorization: Bearer <it>`. */
  metricsToken: string | null;
  /** The container registry's public URL: set, Tollgate is its token service at /jwt/auth (docs/registry.md). */
  registryUrl: string | null;
  /** The `iss` of registry tokens, the registry's `auth: token: issuer`. */
  registryIssuer: string;
  /** How long a stopping server waits for requests in flight (a long `git push`) before it exits anyway. */
  shutdownTimeoutSeconds: number;
  /** log2 of scrypt's N for new password digests: 17 is OWASP's minimum; lower only to make tests fast. */
  passwordHashCost: number;
}

/** A bad setting: its message is one line naming the variable, shown as is by the console. */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

function parsedUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** An address, or an address and a prefix length that fits it (`10.0.0.0/8`, `fd00::/8`). */
export function isIpOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

const proxyEntries = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** The value formats of the schema below (Ajv's own formats are not loaded by env-schema). */
const FORMATS: Record<string, (value: string) => boolean> = {
  // pg reads the URL itself (sockets, `options=` …); only the scheme is ours to check.
  'tollgate-database-url': (value) => isPostgresUrl(value) || !URL_SCHEME.test(value),
  // Link headers and email links are built on it: a query string or fragment would end up inside them.
  'tollgate-external-url': (value) => {
    const url = parsedUrl(value);
    return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.search === '' && url.hash === '';
  },
  'tollgate-smtp-url': (value) => {
    const url = parsedUrl(value);
    return url !== null && (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  },
  'tollgate-proxy-list': (value) => proxyEntries(value).every(isIpOrCidr),
};

/** The variables Tollgate reads; a blank value counts as unset. Documented in docs/operator-guide.md. */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ pattern: '^[^\\s/]+$', default: '127.0.0.1' }),
  TOLLGATE_DATA_DIR: Type.String({ default: './data' }),
  TOLLGATE_DATABASE_URL: Type.Optional(Type.String({ format: 'tollgate-database-url' })),
  TOLLGATE_EXTERNAL_URL: Type.Optional(Type.String({ format: 'tollgate-external-url' })),
  TOLLGATE_SMTP_URL: Type.Optional(Type.String({ format: 'tollgate-smtp-url' })),
  TOLLGATE_SECRET: Type.Optional(Type.String()),
  TOLLGATE_INITIAL_ROOT_PASSWORD: Type.Optional(Type.String({ minLength: MIN_PASSWORD_LENGTH })),
  TOLLGATE_LOG_LEVEL: Type.Unsafe<(typeof LOG_LEVELS)[number]>({ type: 'string', enum: [...LOG_LEVELS], default: 'info' }),
  TOLLGATE_TRUSTED_PROXIES: Type.Optional(Type.String({ format: 'tollgate-proxy-list' })),
  TOLLGATE_METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  TOLLGATE_REGISTRY_URL: Type.Optional(Type.String({ format: 'tollgate-external-url' })),
  TOLLGATE_REGISTRY_ISSUER: Type.String({ pattern: '^[\\x21-\\x7e]{1,255}$', default: 'tollgate' }),
  TOLLGATE_SHUTDOWN_TIMEOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  TOLLGATE_PASSWORD_HASH_COST: Type.Integer({ minimum: MIN_PASSWORD_HASH_COST, maximum: MAX_PASSWORD_HASH_COST, default: DEFAULT_PASSWORD_HASH_COST }),
});
type Env = Static<typeof EnvSchema>;
type Variable = keyof Env;

/** What each variable must be, for the one-line refusal. */
const EXPECTED: Record<Variable, string> = {
  PORT: 'a port number from 0 to 65535',
  HOST: 'a host name or IP address to listen on',
  TOLLGATE_DATA_DIR: 'a directory path',
  TOLLGATE_DATABASE_URL: 'a postgres:// (or postgresql://) URL or the path of a SQLite file',
  TOLLGATE_EXTERNAL_URL: 'an http:// or https:// URL without query string or fragment',
  TOLLGATE_SMTP_URL: 'an smtp:// or smtps:// URL',
  TOLLGATE_SECRET: 'a string',
  TOLLGATE_INITIAL_ROOT_PASSWORD: `at least ${MIN_PASSWORD_LENGTH} characters long`,
  TOLLGATE_LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
  TOLLGATE_TRUSTED_PROXIES: 'a comma-separated list of IP addresses and CIDR ranges',
  TOLLGATE_METRICS_TOKEN: 'at least 16 characters long',
  TOLLGATE_REGISTRY_URL: 'an http:// or https:// URL without query string or fragment',
  TOLLGATE_REGISTRY_ISSUER: 'up to 255 printable characters without spaces',
  TOLLGATE_SHUTDOWN_TIMEOUT_SECONDS: 'a number of seconds from 1 to 3600',
  TOLLGATE_PASSWORD_HASH_COST: `a whole number from ${MIN_PASSWORD_HASH_COST} to ${MAX_PASSWORD_HASH_COST} (log2 of scrypt's N)`,
};

/** What was given, without secrets: URLs may carry passwords, so only their scheme is shown. */
function given(variable: Variable, value: string): string {
  switch (variable) {
    case 'TOLLGATE_SECRET':
    case 'TOLLGATE_INITIAL_ROOT_PASSWORD':
    case 'TOLLGATE_METRICS_TOKEN':
      return '';
    case 'TOLLGATE_DATABASE_URL':
    case 'TOLLGATE_SMTP_URL': {
      const scheme = URL_SCHEME.exec(value)?.[1];
      return scheme ? `, got "${scheme}://…"` : ', got a value that is not a URL';
    }
    case 'TOLLGATE_TRUSTED_PROXIES':
      return `: ${JSON.stringify(proxyEntries(value).find((entry) => !isIpOrCidr(entry)))} is neither`;
    default:
      return `, got ${JSON.stringify(value)}`;
  }
}

interface SchemaError {
  instancePath: string;
}

function refusal(error: unknown, env: Record<string, string>): ConfigError {
  const errors = (error as { errors?: SchemaError[] }).errors;
  if (!Array.isArray(errors)) throw error;
  const variables = [...new Set(errors.map((e) => e.instancePath.split('/')[1] as Variable))];
  return new ConfigError(variables.map((v) => `${v} must be ${EXPECTED[v]}${given(v, env[v] ?? '')}`).join('; '));
}

/**
 * The configuration from `env` (only: process.env is not merged in). Every value is checked at
 * once, so a bad setting stops the start with a message naming the variable, not a failure later.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const set: Record<string, string> = {};
  for (const name of Object.keys(EXPECTED)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') set[name] = value;
  }
  let values: Env;
  try {
    values = envSchema<Env>({
      schema: EnvSchema,
      data: set,
      env: false,
      dotenv: false,
      ajv: { customOptions: (ajv) => Object.entries(FORMATS).reduce((a, [name, validate]) => a.addFormat(name, validate), ajv) },
    });
  } catch (error) {
    throw refusal(error, set);
  }
  const { PORT: port, HOST: host } = values;
  const dataDir = resolve(values.TOLLGATE_DATA_DIR);
  const externalUrl = (values.TOLLGATE_EXTERNAL_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  if (!FORMATS['tollgate-external-url']!(externalUrl)) {
    throw new ConfigError(`TOLLGATE_EXTERNAL_URL must be set: the default http://HOST:PORT is not a URL (${JSON.stringify(externalUrl)})`);
  }
  return {
    port,
    host,
    dataDir,
    databaseUrl: values.TOLLGATE_DATABASE_URL ?? join(dataDir, 'tollgate.sqlite3'),
    externalUrl,
    smtpUrl: values.TOLLGATE_SMTP_URL ?? null,
    secret: values.TOLLGATE_SECRET ?? null,
    initialRootPassword: values.TOLLGATE_INITIAL_ROOT_PASSWORD ?? null,
    logLevel: values.TOLLGATE_LOG_LEVEL,
    trustedProxies: proxyEntries(values.TOLLGATE_TRUSTED_PROXIES ?? ''),
    metricsToken: values.TOLLGATE_METRICS_TOKEN ?? null,
    registryUrl: values.TOLLGATE_REGISTRY_URL?.replace(/\/+$/, '') ?? null,
    registryIssuer: values.TOLLGATE_REGISTRY_ISSUER,
    shutdownTimeoutSeconds: values.TOLLGATE_SHUTDOWN_TIMEOUT_SECONDS,
    passwordHashCost: values.TOLLGATE_PASSWORD_HASH_COST,
  };
}

/** The host part of bot users' `@noreply.` addresses. */
export function externalHost(config: Pick<Config, 'externalUrl'>): string {
  return new URL(config.externalUrl).hostname;
}
