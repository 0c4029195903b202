import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, externalHost, isIpOrCidr, loadConfig } from './config.js';

/** The refusal for `env`: a ConfigError whose message is one line. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults: port 8080 on 127.0.0.1, ./data with its SQLite file, the external URL from host and port, level info', () => {
    const dataDir = resolve('./data');
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir,
      databaseUrl: join(dataDir, 'tollgate.sqlite3'),
      externalUrl: 'http://127.0.0.1:8080',
      smtpUrl: null,
      secret: null,
      initialRootPassword: null,
      logLevel: 'info',
      trustedProxies: [],
      metricsToken: null,
      registryUrl: null,
      registryIssuer: 'tollgate',
      shutdownTimeoutSeconds: 30,
      passwordHashCost: 17,
    });
  });

  it('a blank variable counts as unset', () => {
    const blank = ['PORT', 'HOST', 'TOLLGATE_DATA_DIR', 'TOLLGATE_DATABASE_URL', 'TOLLGATE_EXTERNAL_URL', 'TOLLGATE_SMTP_URL', 'TOLLGATE_SECRET', 'TOLLGATE_INITIAL_ROOT_PASSWORD', 'TOLLGATE_LOG_LEVEL', 'TOLLGATE_TRUSTED_PROXIES', 'TOLLGATE_REGISTRY_URL', 'TOLLGATE_REGISTRY_ISSUER', 'TOLLGATE_SHUTDOWN_TIMEOUT_SECONDS', 'TOLLGATE_PASSWORD_HASH_COST'];
    expect(loadConfig(Object.fromEntries(blank.map((name, i) => [name, i % 2 ? '' : '  '])))).toEqual(loadConfig({}));
  });

  it('takes every variable as given', () => {
    const config = loadConfig({
      PORT: '3000',
      HOST: '0.0.0.0',
      TOLLGATE_DATA_DIR: '/var/lib/tollgate',
      TOLLGATE_DATABASE_URL: 'postgres://tollgate:pw@db.internal:5432/tollgate?options=-c%20search_path%3Dtg',
      TOLLGATE_EXTERNAL_URL: 'https://tollgate.example.com/gitlab/',
      TOLLGATE_SMTP_URL: 'smtps://user:pw@mail.example.com:465?from=Tollgate%20%3Ct%40example.com%3E',
      TOLLGATE_SECRET: 'a-secret',
      TOLLGATE_INITIAL_ROOT_PASSWORD: 'a-long-password',
      TOLLGATE_LOG_LEVEL: 'warn',
      TOLLGATE_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1',
      TOLLGATE_METRICS_TOKEN: 'scrape-me-please-0123',
      TOLLGATE_REGISTRY_URL: 'https://registry.example.com/',
      TOLLGATE_REGISTRY_ISSUER: 'tollgate.example.com',
      TOLLGATE_SHUTDOWN_TIMEOUT_SECONDS: '5',
      TOLLGATE_PASSWORD_HASH_COST: '18',
    });
    expect(config).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: '/var/lib/tollgate',
      databaseUrl: 'postgres://tollgate:pw@db.internal:5432/tollgate?options=-c%20search_path%3Dtg',
      externalUrl: 'https://tollgate.example.com/gitlab',
      smtpUrl: 'smtps://user:pw@mail.example.com:465?from=Tollgate%20%3Ct%40example.com%3E',
      secret: 'a-secret',
      initialRootPassword: 'a-long-password',
      logLevel: 'warn',
      trustedProxies: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1'],
      metricsToken: 'scrape-me-please-0123',
      registryUrl: 'https://registry.example.com',
      registryIssuer: 'tollgate.example.com',
      shutdownTimeoutSeconds: 5,
      passwordHashCost: 18,
    });
    expect(externalHost(config)).toBe('tollgate.example.com');
  });

  it('the default external URL brackets an IPv6 host; the database defaults into the data directory', () => {
    const config = loadConfig({ HOST: '::1', PORT: '9000', TOLLGATE_DATA_DIR: '/srv/tg' });
    expect(config.externalUrl).toBe('http://[::1]:9000');
    expect(config.databaseUrl).toBe('/srv/tg/tollgate.sqlite3');
  });

  it('TOLLGATE_DATABASE_URL may be postgresql:// or a SQLite file path', () => {
    expect(loadConfig({ TOLLGATE_DATABASE_URL: 'postgresql://localhost/tg' }).databaseUrl).toBe('postgresql://localhost/tg');
    expect(loadConfig({ TOLLGATE_DATABASE_URL: '/tmp/other.sqlite3' }).databaseUrl).toBe('/tmp/other.sqlite3');
  });

  describe('env is the whole environment', () => {
    const saved = process.env.TOLLGATE_LOG_LEVEL;
    afterEach(() => {
      if (saved === undefined) delete process.env.TOLLGATE_LOG_LEVEL;
      else process.env.TOLLGATE_LOG_LEVEL = saved;
    });
    it('a given env is not mixed with process.env; without one, process.env is read', () => {
      process.env.TOLLGATE_LOG_LEVEL = 'debug';
      expect(loadConfig({}).logLevel).toBe('info');
      expect(loadConfig().logLevel).toBe('debug');
    });
  });

  describe('refuses a bad value at once, in one line naming the variable', () => {
    it('TOLLGATE_LOG_LEVEL not one of pino’s levels', () => {
      expect(refusal({ TOLLGATE_LOG_LEVEL: 'verbose' })).toBe('TOLLGATE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"');
      expect(refusal({ TOLLGATE_LOG_LEVEL: 'INFO' })).toMatch(/^TOLLGATE_LOG_LEVEL must be one of/);
    });

    it.each(['10.0.0.300', '10.0.0.0/33', 'fd00::/129', 'proxy.example.com', '10.0.0.0/8/8', '10.0.0.0/', 'loopback'])('TOLLGATE_TRUSTED_PROXIES with %s', (entry) => {
      expect(refusal({ TOLLGATE_TRUSTED_PROXIES: `192.0.2.1, ${entry}` })).toBe(
        `TOLLGATE_TRUSTED_PROXIES must be a comma-separated list of IP addresses and CIDR ranges: ${JSON.stringify(entry)} is neither`,
      );
    });

    it.each(['eighty', '65536', '-1', '80.5', '8080abc'])('PORT %s', (port) => {
      expect(refusal({ PORT: port })).toBe(`PORT must be a port number from 0 to 65535, got ${JSON.stringify(port)}`);
    });

    it('TOLLGATE_DATABASE_URL of another scheme, without echoing its credentials', () => {
      const message = refusal({ TOLLGATE_DATABASE_URL: 'mysql://tollgate:hunter2@db/tollgate' });
      expect(message).toBe('TOLLGATE_DATABASE_URL must be a postgres:// (or postgresql://) URL or the path of a SQLite file, got "mysql://…"');
      expect(refusal({ TOLLGATE_DATABASE_URL: 'sqlite:///tmp/x.db' })).toMatch(/^TOLLGATE_DATABASE_URL must be .*, got "sqlite:\/\/…"$/);
    });

    it('TOLLGATE_EXTERNAL_URL that is no http(s) URL, or carries a query string or fragment', () => {
      expect(refusal({ TOLLGATE_EXTERNAL_URL: 'tollgate.example.com' })).toBe(
        'TOLLGATE_EXTERNAL_URL must be an http:// or https:// URL without query string or fragment, got "tollgate.example.com"',
      );
      for (const url of ['ftp://tollgate.example.com', 'https://tollgate.example.com/?a=1', 'https://tollgate.example.com/#top']) {
        expect(refusal({ TOLLGATE_EXTERNAL_URL: url })).toMatch(/^TOLLGATE_EXTERNAL_URL must be an http:\/\/ or https:\/\/ URL/);
      }
    });

    it.each(['9', '21', '16.5', 'high'])('TOLLGATE_PASSWORD_HASH_COST %s: below OWASP-grade costs only down to 2^10, for tests', (cost) => {
      expect(refusal({ TOLLGATE_PASSWORD_HASH_COST: cost })).toBe(
        `TOLLGATE_PASSWORD_HASH_COST must be a whole number from 10 to 20 (log2 of scrypt's N), got ${JSON.stringify(cost)}`,
      );
    });

    it('TOLLGATE_REGISTRY_URL that is no http(s) URL; TOLLGATE_REGISTRY_ISSUER with spaces', () => {
      expect(refusal({ TOLLGATE_REGISTRY_URL: 'registry.example.com' })).toBe(
        'TOLLGATE_REGISTRY_URL must be an http:// or https:// URL without query string or fragment, got "registry.example.com"',
      );
      expect(refusal({ TOLLGATE_REGISTRY_ISSUER: 'my issuer' })).toBe('TOLLGATE_REGISTRY_ISSUER must be up to 255 printable characters without spaces, got "my issuer"');
    });

    it('TOLLGATE_SMTP_URL that is no smtp(s) URL, without echoing its credentials', () => {
      expect(refusal({ TOLLGATE_SMTP_URL: 'https://user:hunter2@mail.example.com' })).toBe('TOLLGATE_SMTP_URL must be an smtp:// or smtps:// URL, got "https://…"');
      expect(refusal({ TOLLGATE_SMTP_URL: 'mail.example.com:25' })).toBe('TOLLGATE_SMTP_URL must be an smtp:// or smtps:// URL, got a value that is not a URL');
    });

    it('TOLLGATE_INITIAL_ROOT_PASSWORD shorter than 8 characters, without echoing it', () => {
      expect(refusal({ TOLLGATE_INITIAL_ROOT_PASSWORD: 'hunter2' })).toBe('TOLLGATE_INITIAL_ROOT_PASSWORD must be at least 8 characters long');
    });

    it('HOST with spaces or slashes; a HOST that makes no default external URL', () => {
      expect(refusal({ HOST: 'my host' })).toBe('HOST must be a host name or IP address to listen on, got "my host"');
      expect(refusal({ HOST: 'http://x' })).toMatch(/^HOST must be/);
      expect(refusal({ HOST: '[' })).toMatch(/^TOLLGATE_EXTERNAL_URL must be set: the default http:\/\/HOST:PORT is not a URL/);
    });

    it('several bad values: all of them, in one line', () => {
      expect(refusal({ PORT: 'x', TOLLGATE_LOG_LEVEL: 'loud', TOLLGATE_TRUSTED_PROXIES: 'nope' })).toBe(
        'PORT must be a port number from 0 to 65535, got "x"; ' +
          'TOLLGATE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"; ' +
          'TOLLGATE_TRUSTED_PROXIES must be a comma-separated list of IP addresses and CIDR ranges: "nope" is neither',
      );
    });
  });
});

describe('isIpOrCidr', () => {
  it.each(['127.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '192.0.2.7/32', '::1', 'fd00::/8', '::ffff:10.0.0.1', '2001:db8::/128'])('accepts %s', (entry) => {
    expect(isIpOrCidr(entry)).toBe(true);
  });
  it.each(['', '256.0.0.1', '10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/a', '10.0.0.0/255.0.0.0', 'example.com'])('refuses %s', (entry) => {
    expect(isIpOrCidr(entry)).toBe(false);
  });
});
