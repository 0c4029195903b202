import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32, libtrustKeyId } from './libtrust.js';

/** A 1024-bit RSA public key made with `openssl genpkey`; its IDs were computed with openssl and coreutils' base32. */
const PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDXSZ/s44PDTO+qmHkLJJlqyNFX
t/j7zSfybPHmnKlfkiDUBnZDNCFvOQV74TlGBYmHVKsOtI4kr6K0YDfosvoccudW
ioV5ymOtjSunXSMibmThkjCrn4sXQ68RPmlA8+g+U9woMJ+2yQGuJzUbUwtTQ/UX
+9S85GzuJQx5ebJODQIDAQAB
-----END PUBLIC KEY-----`;
/** `openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | head -c 30 | base32`, in groups of 4. */
const SPKI_KEY_ID = 'CI5M:2SHU:3KAB:RU67:6TYD:FJW4:HURJ:OQLJ:PK7E:NKQW:5A7I:QT4G';
/** The same over the PKCS#1 RSAPublicKey (`openssl rsa -RSAPublicKey_out`): the ID distribution does not know. */
const PKCS1_KEY_ID = 'MRQK:UR7G:RATV:JRV7:EJGV:OLUH:IBVS:VIOL:E4DI:DKYS:FXUJ:7IOE';

describe('libtrust key IDs (INTEGRATIONS.md §4 "Key ID")', () => {
  it('RFC 4648 base32 test vectors, without padding', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [input, output] of vectors) expect(base32(Buffer.from(input))).toBe(output);
  });

  it('INTEGRATIONS.md §4: SHA-256 of the DER SubjectPublicKeyInfo, first 30 bytes, base32, 12 groups of 4 joined by ":"', () => {
    const key = createPublicKey(PUBLIC_KEY);
    const id = libtrustKeyId(key.export({ type: 'spki', format: 'der' }));
    expect(id).toBe(SPKI_KEY_ID);
    expect(id).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });

  it('INTEGRATIONS.md §4: hashing the PKCS#1 RSAPublicKey gives another ID ("token signed by untrusted key")', () => {
    const key = createPublicKey(PUBLIC_KEY);
    expect(libtrustKeyId(key.export({ type: 'pkcs1', format: 'der' }))).toBe(PKCS1_KEY_ID);
    expect(PKCS1_KEY_ID).not.toBe(SPKI_KEY_ID);
  });
});
