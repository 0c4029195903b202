import { createHash } from 'node:crypto';

/**
 * The key ID Docker's libtrust gives a public key, which distribution 2.8 looks a token's `kid` up
 * by (INTEGRATIONS.md §4 "Key ID", §5): SHA-256 of the DER SubjectPublicKeyInfo, its first 240 bits
 * (30 bytes), RFC 4648 base32 without padding, a `:` after every 4 characters. Hashing the PKCS#1
 * `RSAPublicKey` instead gives another ID, and the registry refuses every token.
 */
export function libtrustKeyId(subjectPublicKeyInfoDer: Uint8Array): string {
  const digest = createHash('sha256').update(subjectPublicKeyInfoDer).digest().subarray(0, 30);
  return base32(digest).match(/.{1,4}/g)!.join(':');
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 base32, upper case, without the `=` padding (libtrust trims it). */
export function base32(bytes: Uint8Array): string {
  let output = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      output += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) output += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return output;
}
