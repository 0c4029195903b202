import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { libtrustKeyId } from '../domain/libtrust.js';
import { openRegistrySigningKey, registryCertificatePath } from './registry-signing-key.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;

describe('the registry signing key and its certificate (INTEGRATIONS.md §5, §7)', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tollgate-registry-key-')), 'data');
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('made on first use in the data directory: the key file mode 0600, a self-signed certificate of that key valid from a day before for ten years', async () => {
    const dir = dataDir();
    const key = await openRegistrySigningKey(dir, NOW);
    expect(statSync(join(dir, 'registry-signing-key.pem')).mode & 0o777).toBe(0o600);
    const certificate = new X509Certificate(readFileSync(registryCertificatePath(dir)));
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.publicKey.equals(createPublicKey(key.privateKey))).toBe(true);
    expect(certificate.ca).toBe(true);
    expect(new Date(certificate.validFrom).getTime()).toBe(NOW.getTime() - DAY_MS);
    expect(new Date(certificate.validTo).getTime()).toBe(NOW.getTime() + 3650 * DAY_MS);
    expect(key.certificateBase64Der).toBe(certificate.raw.toString('base64'));
    expect(key.keyId).toBe(libtrustKeyId(certificate.publicKey.export({ type: 'spki', format: 'der' })));
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('kept: a later start reads the same key and certificate', async () => {
    const dir = dataDir();
    const first = await openRegistrySigningKey(dir, NOW);
    const certificate = readFileSync(registryCertificatePath(dir), 'utf8');
    const again = await openRegistrySigningKey(dir, new Date(NOW.getTime() + DAY_MS));
    expect(again.keyId).toBe(first.keyId);
    expect(readFileSync(registryCertificatePath(dir), 'utf8')).toBe(certificate);
  });

  it('starts at once (the workers of serve --workers) all end up with the one key on disk', async () => {
    const dir = dataDir();
    const keys = await Promise.all([1, 2, 3].map(() => openRegistrySigningKey(dir, NOW)));
    const onDisk = await openRegistrySigningKey(dir, NOW);
    expect(new Set(keys.map((k) => k.keyId))).toEqual(new Set([onDisk.keyId]));
  });

  it('a certificate that is not of the key stops the start with what to do', async () => {
    const dir = dataDir();
    const other = dataDir();
    await openRegistrySigningKey(dir, NOW);
    await openRegistrySigningKey(other, NOW);
    writeFileSync(registryCertificatePath(dir), readFileSync(registryCertificatePath(other)));
    await expect(openRegistrySigningKey(dir, NOW)).rejects.toThrow(/is not a certificate of .*registry-signing-key\.pem: remove the certificate/);
  });
});
