import { describe, expect, it } from 'vitest';
import { AccessLevel } from './access-levels.js';
import { decideRole, forwardAuthChallenge, forwardAuthRequirement, hasRequiredScope, originalOperation } from './forward-auth.js';
import type { Actor } from './permissions.js';

const human: Actor = { id: 1, isAdmin: false, external: false, userType: 'human' };
const admin: Actor = { ...human, id: 2, isAdmin: true };
const methods = (own: string, forwarded?: string, original?: string) => ({ own, forwarded, original });

describe('forward auth: the original method (INTEGRATIONS.md §6.2)', () => {
  it('reads are GET, HEAD and OPTIONS; every other method writes', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(originalOperation(methods(method)), method).toBe('read');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'PROPFIND', 'QUERY']) expect(originalOperation(methods(method)), method).toBe('write');
  });

  it('the method headers replace the request\'s own (every proxy asks with GET)', () => {
    expect(originalOperation(methods('GET', undefined, 'POST'))).toBe('write');
    expect(originalOperation(methods('GET', 'DELETE'))).toBe('write');
    expect(originalOperation(methods('POST', 'GET'))).toBe('read');
    expect(originalOperation(methods('POST', undefined, 'HEAD'))).toBe('read');
  });

  it('the stricter of X-Forwarded-Method and X-Original-Method: a client-forged read never turns a write into a read, behind nginx or Traefik', () => {
    // nginx sets X-Original-Method and passes a client's X-Forwarded-Method on.
    expect(originalOperation(methods('GET', 'GET', 'POST'))).toBe('write');
    // Traefik sets X-Forwarded-Method and passes a client's X-Original-Method on.
    expect(originalOperation(methods('GET', 'PUT', 'GET'))).toBe('write');
    expect(originalOperation(methods('GET', 'GET', 'OPTIONS'))).toBe('read');
  });

  it('a method that is not exactly a read method writes: lower case, a list of two, empty, garbage', () => {
    for (const claimed of ['get', 'GET, POST', '', 'GET ', 'whatever']) expect(originalOperation(methods('GET', claimed)), JSON.stringify(claimed)).toBe('write');
  });
});

describe('forward auth: the requirement of a request', () => {
  const group = { group: 'acme/platform' };

  it('defaults: read_api or api and Reporter for reads, api and Developer for writes (INTEGRATIONS.md §6.3)', () => {
    expect(forwardAuthRequirement(group, 'read')).toEqual({
      ok: true,
      value: { target: { kind: 'group', fullPath: 'acme/platform' }, scopes: ['read_api', 'api'], minAccessLevel: AccessLevel.REPORTER, challenge: 'bearer' },
    });
    expect(forwardAuthRequirement({ project: 'acme/api' }, 'write')).toEqual({
      ok: true,
      value: { target: { kind: 'project', fullPath: 'acme/api' }, scopes: ['api'], minAccessLevel: AccessLevel.DEVELOPER, challenge: 'bearer' },
    });
  });

  it("the operator's scopes, role and challenge replace the defaults, for reads and writes alike", () => {
    const query = { ...group, scope: ['read_registry', 'write_registry'], min_access_level: AccessLevel.MAINTAINER, challenge: 'basic' as const };
    for (const operation of ['read', 'write'] as const) {
      expect(forwardAuthRequirement(query, operation)).toMatchObject({ ok: true, value: { scopes: ['read_registry', 'write_registry'], minAccessLevel: 40, challenge: 'basic' } });
    }
  });

  it("exactly one of group and project, refused in Grape's words", () => {
    expect(forwardAuthRequirement({}, 'read')).toMatchObject({ ok: false, error: { code: 'invalid_parameter', message: 'group, project are missing, exactly one parameter must be provided' } });
    expect(forwardAuthRequirement({ group: 'a', project: 'a/b' }, 'read')).toMatchObject({ ok: false, error: { code: 'invalid_parameter', message: 'group, project are mutually exclusive' } });
  });

  it('the token needs one of the scopes (GitLab: any allowed scope among its scopes)', () => {
    const read = forwardAuthRequirement(group, 'read');
    const write = forwardAuthRequirement(group, 'write');
    if (!read.ok || !write.ok) throw new Error('requirement');
    expect(hasRequiredScope(['api'], read.value)).toBe(true);
    expect(hasRequiredScope(['read_api'], read.value)).toBe(true);
    expect(hasRequiredScope(['read_repository', 'read_registry'], read.value)).toBe(false);
    expect(hasRequiredScope(['read_api'], write.value)).toBe(false);
    expect(hasRequiredScope(['read_api', 'api'], write.value)).toBe(true);
  });
});

describe('forward auth: the role', () => {
  it('the effective role must reach the minimum; the answer carries it', () => {
    const reporter = { visibility: 'private' as const, memberLevel: AccessLevel.REPORTER };
    expect(decideRole(human, reporter, AccessLevel.REPORTER)).toEqual({ kind: 'allowed', accessLevel: 20 });
    expect(decideRole(human, reporter, AccessLevel.DEVELOPER)).toEqual({ kind: 'forbidden' });
  });

  it('a group or project the user may not see, or that does not exist, is the same refusal (never a 404: INTEGRATIONS.md §6.1)', () => {
    expect(decideRole(human, null, AccessLevel.GUEST)).toEqual({ kind: 'forbidden' });
    expect(decideRole(human, { visibility: 'private', memberLevel: 0 }, AccessLevel.GUEST)).toEqual({ kind: 'forbidden' });
    // Seeing a public or internal group is not a role in it.
    expect(decideRole(human, { visibility: 'public', memberLevel: 0 }, AccessLevel.GUEST)).toEqual({ kind: 'forbidden' });
    expect(decideRole(human, { visibility: 'internal', memberLevel: 0 }, AccessLevel.GUEST)).toEqual({ kind: 'forbidden' });
  });

  it('administrators count as Owner everywhere, as in the API (T8)', () => {
    expect(decideRole(admin, { visibility: 'private', memberLevel: 0 }, AccessLevel.OWNER)).toEqual({ kind: 'allowed', accessLevel: AccessLevel.OWNER });
    expect(decideRole(admin, null, AccessLevel.GUEST)).toEqual({ kind: 'forbidden' });
  });
});

describe('forward auth: the 401 challenge (RFC 6750 §3)', () => {
  it('Bearer realm="Tollgate", with error="invalid_token" only when a token was presented; Basic on request', () => {
    expect(forwardAuthChallenge('bearer', false)).toBe('Bearer realm="Tollgate"');
    expect(forwardAuthChallenge('bearer', true)).toBe('Bearer realm="Tollgate", error="invalid_token"');
    expect(forwardAuthChallenge('basic', false)).toBe('Basic realm="Tollgate"');
    expect(forwardAuthChallenge('basic', true)).toBe('Basic realm="Tollgate"');
  });
});
