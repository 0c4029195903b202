import { describe, expect, it } from 'vitest';
import { decryptHookToken, encryptHookToken, guardedLookup } from './webhooks.js';

const lookup = (host: string, allowLocal: boolean, all: boolean) =>
  new Promise<{ error: (Error & { code?: string }) | null; address: unknown }>((resolve) =>
    guardedLookup(allowLocal)(host, { all }, (error, address) => resolve({ error: error as (Error & { code?: string }) | null, address })),
  );

describe('webhook delivery safeguards', () => {
  it('DNS rebinding: a name that resolves to a refused address is not connected to', async () => {
    const refused = await lookup('localhost', false, false);
    expect(refused.error).toMatchObject({ code: 'EBLOCKED', message: 'URL is blocked: Requests to localhost are not allowed' });
    const allowed = await lookup('localhost', true, false);
    expect(allowed.error).toBeNull();
    expect(allowed.address).toMatch(/^(127\.0\.0\.1|::1)$/);
    const all = await lookup('localhost', true, true);
    expect(Array.isArray(all.address)).toBe(true);
  });

  it('the hook secret is stored encrypted under the instance secret and reads back only with it', () => {
    const secret = Buffer.from('instance-secret');
    const stored = encryptHookToken(secret, 'hook-token');
    expect(stored).not.toContain('hook-token');
    expect(encryptHookToken(secret, 'hook-token')).not.toBe(stored);
    expect(decryptHookToken(secret, stored)).toBe('hook-token');
    expect(() => decryptHookToken(Buffer.from('another secret'), stored)).toThrow();
  });
});
