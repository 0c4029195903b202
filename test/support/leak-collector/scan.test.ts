import { describe, expect, it } from 'vitest';
import { generateToken, tokenDigest } from '../../../src/domain/token-format.js';
import { describeLeaks, findLeaks, tokensIn } from './scan.js';
import type { SecretKind, Sink } from './collector.js';

const token = (prefix = 'glpat-') => generateToken(prefix, { organizationId: 1, userId: 42 });
const sink = (text: string, name = 'log'): Sink => ({ sink: name, where: 'test', text: () => text });

describe('the leak scan', () => {
  it('finds every Tollgate token by its format, whatever its prefix, and nothing that merely looks like one', () => {
    const plain = token();
    const custom = token('tg.custom_prefix-');
    const text = `{"msg":"x","a":"${plain}"} path=/p?x=${custom}&y=1 ${plain.slice(0, -1)}${plain.endsWith('0') ? '1' : '0'} ${tokenDigest(Buffer.from('k'), plain)}`;
    expect(tokensIn(text).map((found) => found.token)).toEqual([plain, custom]);
  });

  it('finds tokens by format and the other secrets by value, in every sink, and names them without their value', async () => {
    const leaked = token();
    const secrets = new Map<string, SecretKind>([
      ['a long password', 'password'],
      ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb290In0.c2lnbmF0dXJl', 'token'],
      ['also-a-username', 'password'],
    ]);
    const leaks = await findLeaks({
      secrets,
      // A bad-input test sent it as a password and as a username: the audit log naming the user is no leak.
      open: new Set(['also-a-username']),
      sinks: [
        sink('user_created also-a-username', 'audit event'),
        sink(`{"level":20,"token":"${leaked}"}`),
        sink('{"message":"a long password is wrong"}', 'error body'),
        { sink: 'email (SMTP peer)', where: 'port 1', text: async () => 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb290In0.c2lnbmF0dXJl' },
        sink('{"level":30,"msg":"request completed","path":"/api/v4/user"}'),
      ],
    });
    expect(leaks.map(({ sink, kind }) => [sink, kind])).toEqual([
      ['log', 'token'],
      ['error body', 'password'],
      ['email (SMTP peer)', 'token'],
    ]);
    const message = describeLeaks(leaks);
    expect(message).toContain('- password in error body (test)');
    for (const value of [leaked, ...secrets.keys()]) expect(message).not.toContain(value);
  });
});
