import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePat } from '../../test/support/factories.js';
import { createHarness, type Harness } from '../../test/support/harness.js';
import { API_BODY_LIMIT_BYTES } from './app.js';

/**
 * Request size limits on every route (issue 14; docs/operator-guide.md "Request size limits"):
 * a parsed body is at most 1 MiB (413, in GitLab's shape, before it is parsed or authenticated);
 * headers and the URL together at most Node's 16 KiB (431). No database is involved.
 */
describe('request size limits', () => {
  let h: Harness;
  let token: string;
  let port: number;
  beforeAll(async () => {
    h = await createHarness('sqlite');
    token = (await makePat(h, h.root)).token;
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as AddressInfo).port;
  });
  afterAll(() => h.close());

  /** A raw request to the listening server: light-my-request would skip Node's own limits. */
  const send = (options: { method?: string; path: string; headers?: Record<string, string>; body?: string }) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end(options.body);
    });

  it('a JSON or form body over 1 MiB is a 413 in GitLab\'s shape, before authentication; just under it is parsed', async () => {
    const padding = (size: number) => 'x'.repeat(size);
    const json = (size: number) => JSON.stringify({ name: 'big', scopes: ['api'], description: padding(size) });
    const overhead = json(0).length;
    const withAndWithoutToken: Record<string, string>[] = [{ 'content-type': 'application/json' }, { 'content-type': 'application/json', 'private-token': token }];
    for (const headers of withAndWithoutToken) {
      const res = await send({ method: 'POST', path: '/api/v4/user/personal_access_tokens', headers, body: json(API_BODY_LIMIT_BYTES - overhead + 1) });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ message: '413 Request body is too large' });
    }
    const form = await send({ method: 'PUT', path: '/api/v4/application/settings', headers: { 'content-type': 'application/x-www-form-urlencoded', 'private-token': token }, body: `x=${padding(API_BODY_LIMIT_BYTES)}` });
    expect(form.status).toBe(413);
    // At the limit the body is read, and the route answers for its content (a description too long).
    const atLimit = await send({ method: 'POST', path: '/api/v4/user/personal_access_tokens', headers: { 'content-type': 'application/json', 'private-token': token }, body: json(API_BODY_LIMIT_BYTES - overhead) });
    expect(atLimit.status).toBe(400);
  });

  /**
   * Node answers an oversized head and closes the connection at once, before a client has even
   * finished sending it; read from a raw socket, the answer is all there.
   */
  const sendHead = (head: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
      socket.on('close', () => {
        const [statusLine = '', ...rest] = received.split('\r\n');
        resolve({ status: Number(statusLine.split(' ')[1]), body: rest.join('\r\n').split('\r\n\r\n').slice(1).join('\r\n\r\n') });
      });
      socket.write(`${head}\r\nhost: 127.0.0.1\r\nprivate-token: ${token}\r\nconnection: close\r\n\r\n`);
    });

  it('headers or a URL over 16 KiB are a 431; 8 KiB of them are served', async () => {
    const filler = (size: number) => 'x'.repeat(size);
    expect((await sendHead(`GET /api/v4/user HTTP/1.1\r\nx-filler: ${filler(8 * 1024)}`)).status).toBe(200);
    const headers = await sendHead(`GET /api/v4/user HTTP/1.1\r\nx-filler: ${filler(17 * 1024)}`);
    expect(headers.status).toBe(431);
    expect(JSON.parse(headers.body)).toMatchObject({ message: 'Exceeded maximum allowed HTTP header size', statusCode: 431 });
    expect((await sendHead(`GET /api/v4/user?filler=${filler(17 * 1024)} HTTP/1.1`)).status).toBe(431);
  });
});
