import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../../../test/support/databases.js';
import { makePat, signedIn, snapshot } from '../../../test/support/factories.js';
import { client, createHarness, type Harness } from '../../../test/support/harness.js';
import { DEFAULT_SETTINGS } from '../../domain/settings.js';

describe.each(TEST_DIALECTS)('application settings routes (%s)', (dialect) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let adminToken: string;
  let user: Awaited<ReturnType<typeof signedIn>>;
  beforeAll(async () => {
    h = await createHarness(dialect);
    adminToken = (await makePat(h, h.root)).token;
    admin = client(h, adminToken);
    user = await signedIn(h);
  });
  afterAll(() => h.close());

  it('GET: an administrator reads every setting, defaults included', async () => {
    const res = await admin.get('/api/v4/application/settings');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(DEFAULT_SETTINGS);
  });

  it('GET and PUT are for administrators only: 403, and nothing changes', async () => {
    expect((await user.api.get('/api/v4/application/settings')).statusCode).toBe(403);
    const before = await snapshot(h);
    const res = await user.api.put('/api/v4/application/settings', { max_personal_access_token_lifetime: 30 });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ message: '403 Forbidden' });
    expect(await snapshot(h)).toEqual(before);
  });

  it('PUT changes the given settings and answers all of them; they take effect (T3 lifetime on a new token)', async () => {
    const res = await admin.put('/api/v4/application/settings', {
      max_personal_access_token_lifetime: 30,
      token_reuse_detection: 'any_use',
      personal_access_token_prefix: 'tg-',
      inactive_resource_access_tokens_delete_after_days: null,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ...DEFAULT_SETTINGS,
      max_personal_access_token_lifetime: 30,
      token_reuse_detection: 'any_use',
      personal_access_token_prefix: 'tg-',
      inactive_resource_access_tokens_delete_after_days: null,
    });
    expect((await admin.get('/api/v4/application/settings')).json().max_personal_access_token_lifetime).toBe(30);
    const issued = (await admin.post(`/api/v4/users/${user.user.id}/personal_access_tokens`, { name: 'short', scopes: ['api'] })).json();
    expect(issued.expires_at).toBe('2026-07-15');
    expect(issued.token).toMatch(/^tg-/);
    await admin.put('/api/v4/application/settings', { ...DEFAULT_SETTINGS });
  });

  it('credentials_revoke_limit_per_hour (issue 13): 60 by default, as GitHub\'s POST /credentials/revoke; an administrator may change it', async () => {
    expect((await admin.get('/api/v4/application/settings')).json().credentials_revoke_limit_per_hour).toBe(60);
    const res = await admin.put('/api/v4/application/settings', { credentials_revoke_limit_per_hour: 500 });
    expect(res.json().credentials_revoke_limit_per_hour).toBe(500);
    await admin.put('/api/v4/application/settings', { credentials_revoke_limit_per_hour: 60 });
  });

  it('a bad value is a 400 and changes nothing, not even the valid values sent with it', async () => {
    const cases: [Record<string, unknown>, unknown][] = [
      [{ max_personal_access_token_lifetime: 0 }, { message: '400 Bad request - Max personal access token lifetime must be an integer between 1 and 400' }],
      [{ max_personal_access_token_lifetime: 401 }, { message: '400 Bad request - Max personal access token lifetime must be an integer between 1 and 400' }],
      [{ max_personal_access_token_lifetime: 30, token_reuse_detection: 'sometimes' }, { error: 'token_reuse_detection does not have a valid value' }],
      [{ max_personal_access_token_lifetime: 'a year' }, { error: 'max_personal_access_token_lifetime is invalid' }],
      [{ max_personal_access_token_lifetime: 1.5 }, { error: 'max_personal_access_token_lifetime is invalid' }],
      [
        { max_personal_access_token_lifetime: 30, personal_access_token_prefix: 'bad prefix!' },
        { message: expect.stringMatching(/^400 Bad request - Personal access token prefix can contain only/) },
      ],
      [{ personal_access_token_prefix: 'x'.repeat(21) }, { error: 'personal_access_token_prefix is invalid' }],
      [{ require_personal_access_token_expiry: 'perhaps' }, { error: 'require_personal_access_token_expiry is invalid' }],
      [{ failed_auth_ban_max_attempts: 0 }, { message: '400 Bad request - Failed auth ban max attempts must be a positive integer' }],
      [{ inactive_resource_access_tokens_delete_after_days: -1 }, { message: '400 Bad request - Inactive resource access tokens delete after days must be a positive integer or blank' }],
      [{ credentials_revoke_limit_per_hour: 0 }, { message: '400 Bad request - Credentials revoke limit per hour must be a positive integer' }],
    ];
    const before = await snapshot(h);
    for (const [body, expected] of cases) {
      const res = await admin.put('/api/v4/application/settings', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toEqual(expected);
    }
    const malformed = await admin.put('/api/v4/application/settings', '{"max_personal_access_token_lifetime":', { 'content-type': 'application/json' });
    expect(malformed.statusCode).toBe(400);
    expect(await snapshot(h)).toEqual(before);
    expect((await admin.get('/api/v4/application/settings')).json()).toEqual(DEFAULT_SETTINGS);
  });

  it('parameters that are not settings are ignored, as Grape ignores undeclared ones: private_token in the body, unknown keys', async () => {
    const res = await client(h).put('/api/v4/application/settings', { private_token: adminToken, no_such_setting: 1, constructor: 2, max_personal_access_token_lifetime: 90 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ...DEFAULT_SETTINGS, max_personal_access_token_lifetime: 90 });
    expect(res.json()).not.toHaveProperty('no_such_setting');
    const empty = await admin.put('/api/v4/application/settings', '', { 'content-type': 'application/json' });
    expect(empty.statusCode).toBe(200);
    expect(empty.json().max_personal_access_token_lifetime).toBe(90);
    await admin.put('/api/v4/application/settings', { max_personal_access_token_lifetime: 365 });
  });
});
