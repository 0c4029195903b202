import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { makePat } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * python-gitlab from Debian (/usr/bin/python3, python3-gitlab 3.12), unchanged, against a really
 * listening Tollgate: an administrator creates users, groups, subgroups, members and personal
 * access tokens and reads them back; lists are walked through the server's Link headers.
 */
const PYTHON = '/usr/bin/python3';

const SCRIPT = String.raw`
import json, os, sys
import gitlab

url, token, suffix = os.environ["TOLLGATE_URL"], os.environ["ADMIN_TOKEN"], os.environ["SUFFIX"]
gl = gitlab.Gitlab(url, private_token=token, per_page=2)
gl.auth()
out = {"me": gl.user.attributes}

user = gl.users.create({"username": f"py_{suffix}", "email": f"py_{suffix}@example.com", "name": "Python User", "password": "python-password"})
out["user"] = gl.users.get(user.id).attributes
for i in range(4):
    gl.users.create({"username": f"py_{suffix}_{i}", "email": f"py_{suffix}_{i}@example.com", "name": f"Python {i}"})
# per_page=2: every page after the first comes from the server's Link rel="next".
out["all_users"] = [u.username for u in gl.users.list(get_all=True)]

group = gl.groups.create({"name": "Python Group", "path": f"python-{suffix}", "visibility": "public"})
sub = gl.groups.create({"name": "Python Sub", "path": "sub", "parent_id": group.id})
out["group"] = gl.groups.get(f"python-{suffix}").attributes
out["sub"] = gl.groups.get(sub.id).attributes
out["subgroups"] = [g.full_path for g in group.subgroups.list(get_all=True)]
group.description = "saved by python-gitlab"
group.save()
out["saved"] = gl.groups.get(group.id).description

group.members.create({"user_id": user.id, "access_level": gitlab.const.DEVELOPER_ACCESS})
out["members"] = sorted([[m.id, m.access_level] for m in group.members.list(get_all=True)])
out["members_all_sub"] = sorted([[m.id, m.access_level] for m in sub.members_all.list(get_all=True)])
member = group.members.get(user.id)
member.access_level = gitlab.const.MAINTAINER_ACCESS
member.save()
out["promoted"] = group.members.get(user.id).access_level
try:
    group.members.create({"user_id": user.id, "access_level": gitlab.const.GUEST_ACCESS})
except gitlab.exceptions.GitlabCreateError as error:
    out["duplicate_member"] = {"code": error.response_code, "message": str(error.error_message)}

pat = user.personal_access_tokens.create({"name": "from python", "scopes": ["api", "read_user"], "expires_at": "2026-12-31"})
out["pat"] = pat.attributes
out["pats"] = [t.attributes for t in gl.personal_access_tokens.list(user_id=user.id, get_all=True)]

as_user = gitlab.Gitlab(url, private_token=pat.token)
as_user.auth()
out["as_user"] = as_user.user.username
project = as_user.projects.create({"name": "From Python", "namespace_id": sub.id})
out["project"] = as_user.projects.get(f"python-{suffix}/sub/from-python").attributes
issue = project.issues.create({"title": "Filed by python-gitlab"})
out["issue"] = project.issues.get(issue.iid).attributes

try:
    gl.groups.get("no/such/group")
except gitlab.exceptions.GitlabGetError as error:
    out["missing_group"] = {"code": error.response_code, "message": str(error.error_message)}

gl.personal_access_tokens.delete(pat.id)
try:
    as_user.auth()
except gitlab.exceptions.GitlabAuthenticationError as error:
    out["revoked"] = {"code": error.response_code}
print(json.dumps(out))
`;

describe.each(TEST_DIALECTS)('python-gitlab against a running server (%s)', (dialect) => {
  let s: ServerHarness;
  let dir: string;
  beforeAll(async () => {
    s = await startServer(dialect);
    dir = mkdtempSync(join(tmpdir(), 'tollgate-python-'));
    // Not platform.py: that name would shadow the standard library module python-gitlab imports.
    writeFileSync(join(dir, 'platform_client.py'), SCRIPT);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await s.close();
  });

  it('creates users, groups, subgroups, members and personal access tokens, and reads them back', async () => {
    const { token } = await makePat(s, s.root);
    const { stdout } = await promisify(execFile)(PYTHON, [join(dir, 'platform_client.py')], {
      env: { ...process.env, TOLLGATE_URL: s.url, ADMIN_TOKEN: token, SUFFIX: dialect },
    });
    const out = JSON.parse(stdout);

    expect(out.me).toMatchObject({ username: 'root', is_admin: true });
    expect(out.user).toMatchObject({ username: `py_${dialect}`, email: `py_${dialect}@example.com`, bot: false });
    expect(out.all_users).toEqual(expect.arrayContaining(['root', `py_${dialect}`, `py_${dialect}_0`, `py_${dialect}_3`]));
    expect(new Set(out.all_users).size).toBe(out.all_users.length);

    expect(out.group).toMatchObject({ full_path: `python-${dialect}`, visibility: 'public' });
    expect(out.sub).toMatchObject({ full_path: `python-${dialect}/sub`, parent_id: out.group.id });
    expect(out.subgroups).toEqual([`python-${dialect}/sub`]);
    expect(out.saved).toBe('saved by python-gitlab');

    expect(out.members).toEqual([
      [s.root.id, 50],
      [out.user.id, 30],
    ]);
    expect(out.members_all_sub).toEqual([
      [s.root.id, 50],
      [out.user.id, 30],
    ]);
    expect(out.promoted).toBe(40);
    expect(out.duplicate_member).toEqual({ code: 409, message: 'Member already exists' });

    expect(out.pat).toMatchObject({ name: 'from python', scopes: ['api', 'read_user'], user_id: out.user.id, expires_at: '2026-12-31', active: true });
    expect(out.pat.token).toMatch(/^glpat-/);
    expect(out.pats).toEqual([expect.objectContaining({ id: out.pat.id, name: 'from python' })]);
    expect(out.pats[0]).not.toHaveProperty('token');

    expect(out.as_user).toBe(`py_${dialect}`);
    expect(out.project).toMatchObject({ path_with_namespace: `python-${dialect}/sub/from-python`, creator_id: out.user.id });
    expect(out.issue).toMatchObject({ iid: 1, title: 'Filed by python-gitlab', author: { id: out.user.id } });
    expect(out.missing_group).toEqual({ code: 404, message: '404 Group Not Found' });
    expect(out.revoked).toEqual({ code: 401 });
  });
});
