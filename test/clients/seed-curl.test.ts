import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS } from '../support/databases.js';
import { makeGroup, makePat, makeUser } from '../support/factories.js';
import { startServer, type ServerHarness } from '../support/server.js';

/**
 * The curl examples of the seed "Group access tokens API" (seeds/001_*.txt), copied verbatim and
 * run with curl against a listening Tollgate. Only the placeholders change: the URL base
 * (`<your_gitlab>/api/v4/groups/`, which the seed text lost in front of `<group_id>`), the ids
 * and the tokens. The server's clock is the seed's own example time, so its `expires_at` of
 * 2021-01-31 is a date in the future, as it was when those examples were written.
 */
const SEED_TIME = '2021-01-21T19:35:37.921Z';

const EXAMPLES = {
  list: String.raw`curl --request GET \
  --header "PRIVATE-TOKEN: <your_access_token>" \
  --url "<group_id>/access_tokens"`,
  get: String.raw`curl --request GET \
  --header "PRIVATE-TOKEN: <your_access_token>" \
  --url "<group_id>/access_tokens/<token_id>"`,
  create: String.raw`curl --request POST \
  --header "PRIVATE-TOKEN: <your_access_token>" \
  --header "Content-Type:application/json" \
  --data '{ "name":"test_token", "scopes":["api", "read_repository"], "expires_at":"2021-01-31", "access_level": 30 }' \
  --url "<group_id>/access_tokens"`,
  rotate: String.raw`curl --request POST \
  --header "PRIVATE-TOKEN: <your_access_token>" \
  --url "<group_id>/access_tokens/<token_id>/rotate"`,
  selfRotate: String.raw`curl --request POST \
  --header "PRIVATE-TOKEN: <your_group_access_token>" \
  --url "<group_id>/access_tokens/self/rotate"`,
  revoke: String.raw`curl --request DELETE \
  --header "PRIVATE-TOKEN: <your_access_token>" \
  --url "<group_id>/access_tokens/<token_id>"`,
};

// Where the seeds are at hand (the team's workspace), the copies above must still match them.
const SEEDS_DIR = '/work/shared/seeds';

describe.each(TEST_DIALECTS)('the seed API document’s curl examples (%s)', (dialect) => {
  let s: ServerHarness;
  let curlHome: string;
  let groupId: number;
  let ownerPat: string;

  beforeAll(async () => {
    s = await startServer(dialect, { now: SEED_TIME });
    const owner = await makeUser(s);
    ownerPat = (await makePat(s, owner)).token;
    groupId = (await makeGroup(s, owner)).id;
    // The status code comes from a curlrc, so that the commands themselves stay verbatim.
    curlHome = mkdtempSync(join(tmpdir(), 'tollgate-curl-'));
    writeFileSync(join(curlHome, '.curlrc'), 'silent\nshow-error\nwrite-out = "\\n%{http_code}"\n');
  });
  afterAll(async () => {
    rmSync(curlHome, { recursive: true, force: true });
    await s.close();
  });

  async function run(example: string, values: { token: string; tokenId?: number }) {
    const command = example
      .replaceAll('"<group_id>/', `"${s.url}/api/v4/groups/${groupId}/`)
      .replaceAll('<token_id>', String(values.tokenId ?? ''))
      .replaceAll('<your_access_token>', values.token)
      .replaceAll('<your_group_access_token>', values.token);
    const { stdout } = await promisify(execFile)('bash', ['-c', command], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CURL_HOME: curlHome }, timeout: 30_000 });
    const newline = stdout.lastIndexOf('\n');
    const body = stdout.slice(0, newline);
    return { status: Number(stdout.slice(newline + 1)), body: body === '' ? null : JSON.parse(body) };
  }

  it('the copies are the seed’s text', () => {
    if (!existsSync(SEEDS_DIR)) return;
    const seed = readdirSync(SEEDS_DIR)
      .filter((name) => name.startsWith('001_'))
      .map((name) => readFileSync(join(SEEDS_DIR, name), 'utf8'))
      .join('\n');
    for (const example of Object.values(EXAMPLES)) expect(seed).toContain(example);
  });

  it('create, list, get, rotate, self-rotate and revoke, each as the seed shows it', async () => {
    const created = await run(EXAMPLES.create, { token: ownerPat });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'test_token', scopes: ['api', 'read_repository'], expires_at: '2021-01-31', access_level: 30, active: true, revoked: false, created_at: SEED_TIME });
    expect(created.body.token).toMatch(/^glpat-/);

    const listed = await run(EXAMPLES.list, { token: ownerPat });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: created.body.id, name: 'test_token', access_level: 30, last_used_at: null })]);

    const shown = await run(EXAMPLES.get, { token: ownerPat, tokenId: created.body.id });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: created.body.id, user_id: created.body.user_id, expires_at: '2021-01-31', active: true });

    const rotated = await run(EXAMPLES.rotate, { token: ownerPat, tokenId: created.body.id });
    expect(rotated.status).toBe(200);
    // "If undefined, the token expires after one week."
    expect(rotated.body).toMatchObject({ name: 'test_token', user_id: created.body.user_id, expires_at: '2021-01-28', access_level: 30, active: true });
    expect(rotated.body.token).not.toBe(created.body.token);

    const selfRotated = await run(EXAMPLES.selfRotate, { token: rotated.body.token });
    expect(selfRotated.status).toBe(200);
    expect(selfRotated.body).toMatchObject({ name: 'test_token', user_id: created.body.user_id, expires_at: '2021-01-28' });

    const revoked = await run(EXAMPLES.revoke, { token: ownerPat, tokenId: selfRotated.body.id });
    expect(revoked).toEqual({ status: 204, body: null });
    const after = await run(EXAMPLES.get, { token: ownerPat, tokenId: selfRotated.body.id });
    expect(after.body).toMatchObject({ revoked: true, active: false });

    // "Other possible responses: 404 Not Found: Token can not be found."
    expect(await run(EXAMPLES.revoke, { token: ownerPat, tokenId: 999999 })).toEqual({ status: 404, body: { message: '404 group Access Token Not Found' } });
    // Rotate: "401: Unauthorized if … The token was revoked." (and its successors are revoked too).
    expect((await run(EXAMPLES.selfRotate, { token: created.body.token })).status).toBe(401);
  });
});
