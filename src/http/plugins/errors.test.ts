import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGroup, setRole, signedIn } from '../../../test/support/factories.js';
import { createHarness, type Harness } from '../../../test/support/harness.js';
import { AccessLevel } from '../../domain/access-levels.js';
import { ERRORS, type ErrorCode } from '../../domain/errors.js';
import { httpFailure } from './errors.js';

/**
 * The error catalogue over HTTP (docs/decisions/0003-error-codes.md): GitLab's body unchanged for
 * every client, the code in a header, and codes and fields in the body only when asked for.
 */
describe('error answers carry their catalogue code', () => {
  let h: Harness;
  let owner: Awaited<ReturnType<typeof signedIn>>;
  let maintainer: Awaited<ReturnType<typeof signedIn>>;
  let groupPath: string;
  beforeAll(async () => {
    h = await createHarness('sqlite');
    owner = await signedIn(h);
    maintainer = await signedIn(h);
    const group = await makeGroup(h, owner.user);
    await setRole(h, { group }, maintainer.user, AccessLevel.MAINTAINER);
    groupPath = encodeURIComponent(group.full_path);
  });
  afterAll(() => h.close());

  it("keeps GitLab's body exactly and adds X-Tollgate-Error-Code", async () => {
    const res = await owner.api.post(`/api/v4/groups/${groupPath}/access_tokens`, { name: 'ci', scopes: ['api'], expires_at: '2099-01-01' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ message: expect.stringMatching(/^400 Bad request - Expires at must be before \d{4}-\d{2}-\d{2}$/) });
    expect(res.headers['x-tollgate-error-code']).toBe('expires_at_too_late');
  });

  it('with X-Tollgate-Errors: detailed, the body adds the code and the field it concerns', async () => {
    const res = await owner.api.post(`/api/v4/groups/${groupPath}/access_tokens`, { name: ' ', scopes: [], access_level: 30 }, { 'x-tollgate-errors': 'detailed' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      message: "400 Bad request - Name can't be blank, Scopes can't be blank",
      code: 'invalid_attributes',
      fields: [
        { field: 'name', message: "Name can't be blank" },
        { field: 'scopes', message: "Scopes can't be blank" },
      ],
    });
  });

  it('a refusal of authority has its own code (§2.3: Maintainers cannot create group access tokens)', async () => {
    const res = await maintainer.api.post(`/api/v4/groups/${groupPath}/access_tokens`, { name: 'ci', scopes: ['api'] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ message: '400 Bad request - User does not have permission to create group access token' });
    expect(res.headers['x-tollgate-error-code']).toBe('token_creation_not_allowed');
  });

  it('schema violations are invalid_parameter, with one field each', async () => {
    const res = await owner.api.post(`/api/v4/groups/${groupPath}/access_tokens`, { scopes: ['api'] }, { 'x-tollgate-errors': 'detailed' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'name is missing', code: 'invalid_parameter', fields: [{ field: 'name', message: 'name is missing' }] });
  });

  it('authentication failures have codes as well', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v4/user' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ message: '401 Unauthorized' });
    expect(res.headers['x-tollgate-error-code']).toBe('unauthorized');
  });

  it('every code of the catalogue becomes a 4xx answer in one of GitLab\'s shapes, with its code', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const answer = httpFailure(code, 'reason');
      expect(answer.statusCode, code).toBeGreaterThanOrEqual(400);
      expect(answer.statusCode, code).toBeLessThan(500);
      expect(Object.keys(answer.body).filter((key) => key === 'message' || key === 'error'), code).toHaveLength(1);
      expect(answer.failure?.code).toBe(code);
    }
  });
});
