import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_HASH_COST, digestNeedsUpgrade, hashPassword, verifyPassword } from './passwords.js';

describe('password digests', () => {
  it('default to scrypt at OWASP’s minimum (N=2^17, r=8, p=1), recorded in the digest', async () => {
    const digest = await hashPassword('correct horse battery', DEFAULT_PASSWORD_HASH_COST);
    expect(digest).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse battery', digest)).toBe(true);
    expect(await verifyPassword('correct horse batterY', digest)).toBe(false);
  });

  it('a digest from before the cost rose (N=16384) still verifies, and asks to be upgraded', async () => {
    const old = await hashPassword('correct horse battery', 14);
    expect(old.split('$').slice(1, 4)).toEqual(['16384', '8', '1']);
    expect(await verifyPassword('correct horse battery', old)).toBe(true);
    expect(digestNeedsUpgrade(old, DEFAULT_PASSWORD_HASH_COST)).toBe(true);
    expect(digestNeedsUpgrade(old, 14)).toBe(false);
  });

  it('a malformed digest verifies nothing and is never upgraded', async () => {
    for (const digest of [null, '', 'bcrypt$x', 'scrypt$abc$8$1$c2FsdA==$a2V5', 'scrypt$0$8$1$c2FsdA==$a2V5']) {
      expect(await verifyPassword('anything', digest)).toBe(false);
      expect(digestNeedsUpgrade(digest, DEFAULT_PASSWORD_HASH_COST)).toBe(false);
    }
  });
});
