import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { makePat, makeUser } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * python-gitlab from Debian (/usr/bin/python3, python3-gitlab 3.12) against a really listening
 * Tollgate: the instance audit log through `gl.audit_events` (its AuditEventManager: list with
 * GitLab's filters, get), the token information API through gl.http_post / gl.http_delete (that
 * version has no manager for it), and GitLab's 401 for a non-administrator's `user_id`.
 */
const PYTHON = '/usr/bin/python3';
const NOW = '2026-06-15T12:00:00.000Z';

const SCRIPT = String.raw`
import json, os
import gitlab

url, admin_token = os.environ["TOLLGATE_URL"], os.environ["ADMIN_TOKEN"]
user_id, user_token, target = int(os.environ["USER_ID"]), os.environ["USER_TOKEN"], os.environ["TARGET_TOKEN"]
gl = gitlab.Gitlab(url, private_token=admin_token, per_page=2)
out = {}

out["info"] = gl.http_post("/admin/token", post_data={"token": target})
gl.http_delete("/admin/token", post_data={"token": target})
out["info_after"] = gl.http_post("/admin/token", post_data={"token": target})
try:
    gl.http_post("/admin/token", post_data={"token": "not-a-token"})
except gitlab.exceptions.GitlabHttpError as error:
    out["unsupported"] = {"code": error.response_code, "message": str(error.error_message)}

# per_page=2: the pages after the first come from the server's Link rel="next".
out["events"] = [e.attributes for e in gl.audit_events.list(entity_type="User", entity_id=user_id, get_all=True)]
out["event"] = gl.audit_events.get(out["events"][0]["id"]).attributes

as_user = gitlab.Gitlab(url, private_token=user_token)
try:
    as_user.audit_events.list()
except gitlab.exceptions.GitlabListError as error:
    out["user_list"] = {"code": error.response_code}
try:
    as_user.personal_access_tokens.list(user_id=int(os.environ["ADMIN_ID"]))
except gitlab.exceptions.GitlabAuthenticationError as error:
    out["others_tokens"] = {"code": error.response_code}
print(json.dumps(out))
`;

describe.each(TEST_DIALECTS)('python-gitlab: gl.audit_events and /admin/token (%s)', (dialect) => {
  let s: ServerHarness;
  beforeAll(async () => {
    s = await startServer(dialect, { now: NOW });
  });
  afterAll(() => s.close());

  it("lists and gets the instance's audit events, looks a token up and revokes it by value, as python-gitlab expects", async () => {
    const user = await makeUser(s);
    const userToken = await makePat(s, user, { name: 'own' });
    const target = await makePat(s, user, { name: 'leaked' });
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TOLLGATE_URL: s.url,
      ADMIN_TOKEN: (await makePat(s, s.root)).token,
      ADMIN_ID: String(s.root.id),
      USER_ID: String(user.id),
      USER_TOKEN: userToken.token,
      TARGET_TOKEN: target.token,
    };
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', SCRIPT], { env, timeout: 60_000 });
    expect(stdout).not.toContain(target.token);
    const out = JSON.parse(stdout);

    expect(out.info).toMatchObject({ id: target.id, name: 'leaked', user_id: user.id, active: true, revoked: false });
    expect(out.info_after).toMatchObject({ id: target.id, revoked: true, active: false });
    expect(out.unsupported).toEqual({ code: 422, message: 'Token type not supported.' });
    expect(out.events.map((e: { event_name: string }) => e.event_name)).toEqual([
      'personal_access_token_revoked',
      'personal_access_token_created',
      'personal_access_token_created',
    ]);
    expect(out.events[0]).toMatchObject({ entity_type: 'User', entity_id: user.id, author_id: s.root.id, details: { target_id: target.id, revocation_source: 'api_admin_token' } });
    expect(out.event).toEqual(out.events[0]);
    expect(out.user_list).toEqual({ code: 403 });
    expect(out.others_tokens).toEqual({ code: 401 });
  });
});
