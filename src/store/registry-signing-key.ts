import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { libtrustKeyId } from '../domain/libtrust.js';

/**
 * The key that signs container registry tokens, and the self-signed certificate of it that the
 * registry trusts (its `rootcertbundle`, INTEGRATIONS.md §5, §7). Both are made on the first start
 * with the registry enabled, in the data directory beside the instance secret; every instance of a
 * deployment must have the same two files.
 */

const KEY_FILE = 'registry-signing-key.pem';
const CERTIFICATE_FILE = 'registry-signing-cert.pem';
/** As GitLab's admin docs make theirs (`openssl req -new -newkey rsa:4096 … -days 3650`). */
const KEY_BITS = 4096;
const DAY_MS = 24 * 60 * 60 * 1000;
const CERTIFICATE_VALIDITY_DAYS = 3650;
/** Valid from a day before it was made: a registry whose clock is behind must accept it too (it checks the dates of an `x5c` certificate). */
const CERTIFICATE_BACKDATE_MS = DAY_MS;

export interface RegistrySigningKey {
  privateKey: KeyObject;
  /** The libtrust key ID of the key: the token header's `kid`, which distribution 2.8 looks keys up by. */
  keyId: string;
  /** The certificate, base64 DER: the token header's `x5c`, which distribution 3.x verifies first. */
  certificateBase64Der: string;
}

/** The registry's `rootcertbundle`: the certificate of the signing key (PEM). */
export const registryCertificatePath = (dataDir: string): string => join(dataDir, CERTIFICATE_FILE);
export const registryKeyPath = (dataDir: string): string => join(dataDir, KEY_FILE);

/**
 * Writes `content` to `file` unless the file exists. The content is written under another name and
 * then linked into place, so the file is never seen half-written, and of several processes starting
 * at once (the workers of `serve --workers`) the first one's file is the one every process reads.
 */
async function createOnce(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
}

/** A self-signed CA certificate of the key (distribution only uses its key, but checks its dates when the token names it in `x5c`). */
async function selfSignedCertificate(privateKey: KeyObject, now: Date): Promise<string> {
  // Loaded here, not at start: only the first registry request of a new instance makes a certificate.
  const { default: forge } = await import('node-forge');
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // A positive serial number (DER integers are signed), random so that a remade certificate differs.
  certificate.serialNumber = `01${randomBytes(15).toString('hex')}`;
  certificate.validity.notBefore = new Date(now.getTime() - CERTIFICATE_BACKDATE_MS);
  certificate.validity.notAfter = new Date(now.getTime() + CERTIFICATE_VALIDITY_DAYS * DAY_MS);
  const name = [{ name: 'commonName', value: 'Tollgate container registry token signing' }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

/** The signing key and its certificate, made (key file mode 0600) when they do not exist yet. */
export async function openRegistrySigningKey(dataDir: string, now: Date): Promise<RegistrySigningKey> {
  await mkdir(dataDir, { recursive: true });
  const keyFile = registryKeyPath(dataDir);
  if (!existsSync(keyFile)) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: KEY_BITS });
    await createOnce(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  }
  const privateKey = createPrivateKey(await readFile(keyFile, 'utf8'));
  const publicKey = createPublicKey(privateKey);

  const certificateFile = registryCertificatePath(dataDir);
  if (!existsSync(certificateFile)) await createOnce(certificateFile, await selfSignedCertificate(privateKey, now), 0o644);
  const certificate = new X509Certificate(await readFile(certificateFile));
  if (!certificate.publicKey.equals(publicKey)) {
    throw new Error(`${certificateFile} is not a certificate of ${keyFile}: remove the certificate and start again to have it made anew`);
  }
  return {
    privateKey,
    keyId: libtrustKeyId(publicKey.export({ type: 'spki', format: 'der' })),
    certificateBase64Der: certificate.raw.toString('base64'),
  };
}
