import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * python-gitlab from Debian (/usr/bin/python3, python3-gitlab 3.12): list, create and delete
 * through `group.access_tokens` and `project.access_tokens`; show, rotate and the `self` endpoints
 * through gl.http_get / gl.http_post, which that version has no manager methods for. One script,
 * run for both kinds of resource (§10).
 */
const PYTHON = '/usr/bin/python3';
const NOW = '2026-06-15T12:00:00.000Z';

const SCRIPT = String.raw`
import json, os, sys
import gitlab

url, token, kind, resource_id = os.environ["TOLLGATE_URL"], os.environ["OWNER_TOKEN"], os.environ["KIND"], int(os.environ["RESOURCE_ID"])
gl = gitlab.Gitlab(url, private_token=token)
managers = lambda client: client.groups if kind == "group" else client.projects
# lazy: no GET /groups/:id or /projects/:id (the token endpoints are what is under test here).
resource = managers(gl).get(resource_id, lazy=True)
out = {}

created = resource.access_tokens.create({"name": "python", "scopes": ["api", "read_repository"], "access_level": 30, "expires_at": "2026-07-15"})
out["created"] = created.attributes
out["listed"] = [t.attributes for t in resource.access_tokens.list(get_all=True)]
out["shown"] = gl.http_get(f"/{kind}s/{resource_id}/access_tokens/{created.id}")
# A POST without a body, as python-gitlab sends it.
out["rotated"] = gl.http_post(f"/{kind}s/{resource_id}/access_tokens/{created.id}/rotate")

bot = gitlab.Gitlab(url, private_token=out["rotated"]["token"])
out["self"] = bot.http_get(f"/{kind}s/{resource_id}/access_tokens/self")
out["self_rotated"] = bot.http_post(f"/{kind}s/{resource_id}/access_tokens/self/rotate", post_data={"expires_at": "2026-07-01"})

try:
    resource.access_tokens.create({"name": "bad", "scopes": ["sudo"]})
except gitlab.exceptions.GitlabCreateError as error:
    out["create_error"] = {"code": error.response_code, "message": str(error.error_message)}

resource.access_tokens.delete(out["self_rotated"]["id"])
out["after_delete"] = gl.http_get(f"/{kind}s/{resource_id}/access_tokens/{out['self_rotated']['id']}")

try:
    resource.access_tokens.delete(999999)
except gitlab.exceptions.GitlabDeleteError as error:
    out["delete_error"] = {"code": error.response_code, "message": str(error.error_message)}

maintainer = gitlab.Gitlab(url, private_token=os.environ["MAINTAINER_TOKEN"])
try:
    managers(maintainer).get(resource_id, lazy=True).access_tokens.list(get_all=True)
except gitlab.exceptions.GitlabAuthenticationError as error:
    # python-gitlab raises this for every 401.
    out["list_error"] = {"code": error.response_code}
print(json.dumps(out))
`;

/** Below the kind's managers: a group Maintainer (§2.0), a project Developer (§10). */
const KINDS = [
  ['group', AccessLevel.MAINTAINER],
  ['project', AccessLevel.DEVELOPER],
] as const;

describe.each(TEST_DIALECTS.flatMap((dialect) => KINDS.map(([kind, notManager]) => [dialect, kind, notManager] as const)))('python-gitlab %s: %s.access_tokens', (dialect, kind, notManager) => {
  let s: ServerHarness;
  beforeAll(async () => {
    s = await startServer(dialect, { now: NOW });
  });
  afterAll(() => s.close());

  it('lists, creates, shows, rotates (by id and self) and deletes as python-gitlab expects', async () => {
    const owner = await makeUser(s);
    const group = await makeGroup(s, owner);
    const project = kind === 'project' ? await makeProject(s, group) : null;
    const resourceId = project ? project.id : group.id;
    const maintainer = await makeUser(s);
    await setRole(s, project ? { project } : { group }, maintainer, notManager);
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TOLLGATE_URL: s.url,
      OWNER_TOKEN: (await makePat(s, owner)).token,
      MAINTAINER_TOKEN: (await makePat(s, maintainer)).token,
      KIND: kind,
      RESOURCE_ID: String(resourceId),
    };
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', SCRIPT], { env, timeout: 60_000 });
    const out = JSON.parse(stdout);

    expect(out.created).toMatchObject({ name: 'python', scopes: ['api', 'read_repository'], access_level: 30, expires_at: '2026-07-15', resource_id: resourceId });
    expect(out.created.token).toMatch(/^glpat-/);
    expect(out.listed.map((t: { id: number }) => t.id)).toEqual([out.created.id]);
    expect(out.listed[0]).not.toHaveProperty('token');
    expect(out.shown).toMatchObject({ id: out.created.id, name: 'python', resource_type: kind });
    expect(out.rotated).toMatchObject({ name: 'python', user_id: out.created.user_id, expires_at: '2026-06-22', access_level: 30 });
    expect(out.rotated.id).not.toBe(out.created.id);
    expect(out.self).toMatchObject({ id: out.rotated.id });
    expect(out.self_rotated).toMatchObject({ name: 'python', expires_at: '2026-07-01' });
    expect(out.create_error).toEqual({ code: 400, message: 'scopes does not have a valid value' });
    expect(out.after_delete).toMatchObject({ id: out.self_rotated.id, revoked: true, active: false });
    expect(out.delete_error).toEqual({ code: 404, message: `404 ${kind} Access Token Not Found` });
    expect(out.list_error).toEqual({ code: 401 });
  });
});
