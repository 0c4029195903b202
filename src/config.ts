import { join, resolve } from 'node:path';
import { isPostgresUrl } from './store/database.js';

/** The environment, read once at start (DESIGN: the operator contract). */
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
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT ? Number(env.PORT) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
  const host = env.HOST || '127.0.0.1';
  const dataDir = resolve(env.TOLLGATE_DATA_DIR || './data');
  const databaseUrl = env.TOLLGATE_DATABASE_URL || join(dataDir, 'tollgate.sqlite3');
  if (env.TOLLGATE_DATABASE_URL && !isPostgresUrl(env.TOLLGATE_DATABASE_URL) && /^[a-z]+:\/\//i.test(env.TOLLGATE_DATABASE_URL)) {
    throw new ConfigError(`TOLLGATE_DATABASE_URL must be postgres://… or a SQLite file path, got a ${env.TOLLGATE_DATABASE_URL.split(':')[0]} URL`);
  }
  const externalUrl = (env.TOLLGATE_EXTERNAL_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    new URL(externalUrl);
  } catch {
    throw new ConfigError(`TOLLGATE_EXTERNAL_URL is not a URL: "${externalUrl}"`);
  }
  return {
    port,
    host,
    dataDir,
    databaseUrl,
    externalUrl,
    smtpUrl: env.TOLLGATE_SMTP_URL || null,
    secret: env.TOLLGATE_SECRET || null,
    initialRootPassword: env.TOLLGATE_INITIAL_ROOT_PASSWORD || null,
    logLevel: env.TOLLGATE_LOG_LEVEL || 'info',
    trustedProxies: (env.TOLLGATE_TRUSTED_PROXIES ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** The host part of bot users' `@noreply.` addresses. */
export function externalHost(config: Pick<Config, 'externalUrl'>): string {
  return new URL(config.externalUrl).hostname;
}
