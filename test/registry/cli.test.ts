import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/process.js';

/** `tollgate registry config` (INTEGRATIONS.md §7), as an operator runs it: the built console. */
describe('tollgate registry config', () => {
  const root = mkdtempSync(join(tmpdir(), 'tollgate-registry-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const env = (dataDir: string, extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', TOLLGATE_DATA_DIR: dataDir, ...extra });

  it("§7 prints exactly the registry's auth: block: realm absolute on the external URL, the service, the issuer, the certificate's absolute path, values quoted", async () => {
    const dataDir = join(root, 'data dir #1');
    const result = await runCli(['registry', 'config'], env(dataDir, {
      TOLLGATE_EXTERNAL_URL: 'https://tollgate.example.com/gitlab/',
      TOLLGATE_REGISTRY_URL: 'https://registry.example.com',
      TOLLGATE_REGISTRY_ISSUER: 'tollgate.example.com',
    }));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'auth:',
        '  token:',
        '    realm: "https://tollgate.example.com/gitlab/jwt/auth"',
        '    service: "container_registry"',
        '    issuer: "tollgate.example.com"',
        `    rootcertbundle: "${dataDir}/registry-signing-cert.pem"`,
        '',
      ].join('\n'),
    );
    // The files it names exist: the certificate, and beside it the key, readable by its owner only.
    expect(new X509Certificate(readFileSync(join(dataDir, 'registry-signing-cert.pem'))).ca).toBe(true);
    expect(statSync(join(dataDir, 'registry-signing-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('the issuer defaults to "tollgate"; the realm defaults to http://HOST:PORT', async () => {
    const result = await runCli(['registry', 'config'], env(join(root, 'defaults'), { TOLLGATE_REGISTRY_URL: 'http://127.0.0.1:5000' }));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('    realm: "http://127.0.0.1:8080/jwt/auth"\n');
    expect(result.stdout).toContain('    issuer: "tollgate"\n');
  });

  it('without TOLLGATE_REGISTRY_URL the registry is not enabled: exit 1, nothing on stdout, no key made', async () => {
    const dataDir = join(root, 'disabled');
    const result = await runCli(['registry', 'config'], env(dataDir));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('tollgate: the container registry is not enabled: set TOLLGATE_REGISTRY_URL to its public URL\n');
    expect(() => statSync(join(dataDir, 'registry-signing-key.pem'))).toThrow();
  });
});
