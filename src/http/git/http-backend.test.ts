import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { httpBackendEnvironment, locateHttpBackend, parseCgiHeaders, readCgiResponse, type HttpBackendRequest } from './http-backend.js';

const request = (): HttpBackendRequest => ({
  projectRoot: '/data/repositories',
  pathInfo: '/g/p.git/info/refs',
  method: 'GET',
  service: 'git-upload-pack',
  contentType: undefined,
  gitProtocol: 'version=2',
  remoteUser: 'group_1_bot_abc',
  remoteAddr: '192.0.2.1',
});

describe('CGI bridge to git http-backend', () => {
  it('maps the CGI Status header to the HTTP status and keeps the other headers', () => {
    expect(parseCgiHeaders('Status: 403 Forbidden\r\nContent-Type: text/plain\r\nExpires: Fri, 01 Jan 1980 00:00:00 GMT')).toEqual({
      status: 403,
      headers: { 'content-type': 'text/plain', expires: 'Fri, 01 Jan 1980 00:00:00 GMT' },
    });
    expect(parseCgiHeaders('Content-Type: application/x-git-upload-pack-advertisement').status).toBe(200);
    expect(parseCgiHeaders('Status: nonsense\nBad Header: x').headers).toEqual({});
  });

  it('hands the body on unread after the header block, however the output is chunked', async () => {
    const output = new PassThrough();
    const response = readCgiResponse(output);
    output.write('Content-Type: application/x-git-upload-pack-result\r\n');
    output.write('\r\n0008NAK\n');
    output.end('PACK…');
    const { status, headers, body } = await response;
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/x-git-upload-pack-result');
    expect(await text(body)).toBe('0008NAK\nPACK…');
  });

  it('output that ends before its headers is an error', async () => {
    const output = new PassThrough();
    const response = readCgiResponse(output);
    output.end('Content-Type: text/plain\r\n');
    await expect(response).rejects.toThrow(/before sending its headers/);
  });

  it('passes the CGI variables and only a minimal environment (no secret, no database URL)', () => {
    process.env.TOLLGATE_SECRET_FOR_TEST = 'must-not-leak';
    const env = httpBackendEnvironment(request());
    delete process.env.TOLLGATE_SECRET_FOR_TEST;
    expect(env).toMatchObject({
      GIT_PROJECT_ROOT: '/data/repositories',
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: '/g/p.git/info/refs',
      REQUEST_METHOD: 'GET',
      QUERY_STRING: 'service=git-upload-pack',
      GIT_PROTOCOL: 'version=2',
      REMOTE_USER: 'group_1_bot_abc',
      REMOTE_ADDR: '192.0.2.1',
    });
    expect(Object.values(env)).not.toContain('must-not-leak');
    expect(env.CONTENT_TYPE).toBeUndefined();
    // receive-pack stays off unless the request was authorised to push.
    expect(env).toMatchObject({ GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'http.receivepack', GIT_CONFIG_VALUE_0: 'false' });
    expect(httpBackendEnvironment({ ...request(), service: 'git-receive-pack', method: 'POST', contentType: 'application/x-git-receive-pack-request' })).toMatchObject({
      GIT_CONFIG_VALUE_0: 'true',
      CONTENT_TYPE: 'application/x-git-receive-pack-request',
      QUERY_STRING: '',
    });
  });

  it("finds git's own git-http-backend executable", async () => {
    const command = await locateHttpBackend();
    expect(command.file).toMatch(/git-http-backend$/);
    expect(command.args).toEqual([]);
  });
});
