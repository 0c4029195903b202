import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTHeaderParameters } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { libtrustKeyId } from '../../src/domain/libtrust.js';
import { consoleCallerAs } from '../../src/services/caller.js';
import { revokeResourceAccessToken, rotateResourceAccessToken } from '../../src/services/resource-access-tokens.js';
import type { GroupRow } from '../../src/store/schema.js';
import { runCli } from '../cli/process.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { AccessLevel, makeGroup, makeProject, makeUser } from '../support/factories.js';
import { makeGroupToken, scratchDir } from '../support/git-factories.js';
import { freePort, startServer, type ServerHarness } from '../support/server.js';
import { missingBinaries, skopeo, startRegistry, writeOciLayout, type RunningRegistry } from './parts.js';

/**
 * The acceptance test of Tollgate as a container registry's token service: Debian's docker-registry
 * (distribution 2.8.2) configured from `tollgate registry config`, a listening Tollgate, and skopeo
 * pushing and pulling with Tollgate tokens as passwords (INTEGRATIONS.md Part A).
 */
describe.skipIf(missingBinaries().length > 0).each(TEST_DIALECTS)('a real container registry with Tollgate as its token service (%s)', (dialect) => {
  let s: ServerHarness;
  let registry: RunningRegistry;
  const work = scratchDir('tollgate-registry-');
  let group: GroupRow;
  let otherGroup: GroupRow;
  /** read_registry + write_registry at Developer: may push. */
  let writer: string;
  let pushedDigest: string;
  let layouts = 0;

  /** A new one-layer image in an OCI layout, and its manifest digest. */
  const image = (content: string) => {
    const dir = join(work.path, `image-${++layouts}`);
    mkdirSync(dir);
    return { source: `oci:${dir}:latest`, digest: writeOciLayout(dir, content) };
  };
  const ref = (path: string) => `docker://${registry.host}/${path}:latest`;
  const push = (source: string, path: string, token: string, extra: string[] = []) =>
    skopeo(work.path, ['copy', '--dest-creds', `user:${token}`, '--dest-tls-verify=false', ...extra, source, ref(path)]);
  const pull = (path: string, token: string | null) => {
    const dir = join(work.path, `pulled-${++layouts}`);
    const creds = token === null ? ['--src-no-creds'] : ['--src-creds', `user:${token}`];
    return skopeo(work.path, ['copy', ...creds, '--src-tls-verify=false', ref(path), `oci:${dir}:latest`]);
  };
  const digestOf = async (path: string, token: string | null) => {
    const creds = token === null ? ['--no-creds'] : ['--creds', `user:${token}`];
    const result = await skopeo(work.path, ['inspect', ...creds, '--tls-verify=false', '--format', '{{.Digest}}', ref(path)]);
    return { ...result, digest: result.stdout.trim() };
  };
  const groupRef = (g: GroupRow) => ({ kind: 'group' as const, ref: String(g.id) });

  beforeAll(async () => {
    const registryPort = await freePort();
    s = await startServer(dialect, { now: new Date().toISOString(), config: { registryUrl: `http://127.0.0.1:${registryPort}` } });
    // The registry is configured from what the real console prints, for this instance (same data directory).
    const printed = await runCli(['registry', 'config'], {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TOLLGATE_DATA_DIR: s.ctx.config.dataDir,
      TOLLGATE_EXTERNAL_URL: s.url,
      TOLLGATE_REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
    });
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(0);
    registry = await startRegistry(work.path, registryPort, printed.stdout);

    const owner = await makeUser(s);
    group = await makeGroup(s, owner, { path: 'acme', visibility: 'public' });
    await makeProject(s, group, { path: 'app', visibility: 'private' });
    await makeProject(s, group, { path: 'site', visibility: 'public' });
    otherGroup = await makeGroup(s, owner, { path: 'other' });
    writer = (await makeGroupToken(s, group, { scopes: ['read_registry', 'write_registry'], level: AccessLevel.DEVELOPER })).token;

    const pushed = image('hello from tollgate\n');
    const digestFile = join(work.path, 'pushed-digest');
    const result = await push(pushed.source, 'acme/app', writer, ['--digestfile', digestFile]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    pushedDigest = readFileSync(digestFile, 'utf8').trim();
    expect(pushedDigest).toBe(pushed.digest);
  });
  // The registry checks the tokens' times against its own clock: Tollgate's must be the real time too.
  beforeEach(() => s.clock.set(new Date()));
  afterAll(async () => {
    await registry?.stop();
    await s?.close();
    work.remove();
  });

  it('§3.1 a group token with read_registry + write_registry pushed to a private project of its group; a read_registry token pulls the same digest', async () => {
    const reader = (await makeGroupToken(s, group, { scopes: ['read_registry'], level: AccessLevel.REPORTER })).token;
    const pulled = await pull('acme/app', reader);
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    const inspected = await digestOf('acme/app', reader);
    expect(inspected.code).toBe(0);
    expect(inspected.digest).toBe(pushedDigest);
  });

  it('§3.1 a read-only token may not push: "denied: requested access to the resource is denied" (§6)', async () => {
    const readOnly = (await makeGroupToken(s, group, { scopes: ['read_registry'], level: AccessLevel.MAINTAINER })).token;
    const result = await push(image('read-only\n').source, 'acme/app/read-only', readOnly);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/denied: requested access to the resource is denied|unauthorized: authentication required/);
    expect((await digestOf('acme/app/read-only', writer)).stderr).toMatch(/manifest unknown/);
  });

  it("§3.2 a Reporter's read_registry + write_registry token may not push", async () => {
    const reporter = (await makeGroupToken(s, group, { scopes: ['read_registry', 'write_registry'], level: AccessLevel.REPORTER })).token;
    const result = await push(image('reporter\n').source, 'acme/app/reporter', reporter);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/denied: requested access to the resource is denied|unauthorized: authentication required/);
    expect((await digestOf('acme/app/reporter', writer)).stderr).toMatch(/manifest unknown/);
  });

  it('§3.1 MR !143657: a write_registry-only token can do nothing, not even push', async () => {
    const writeOnly = (await makeGroupToken(s, group, { scopes: ['write_registry'], level: AccessLevel.DEVELOPER })).token;
    const result = await push(image('write-only\n').source, 'acme/app/write-only', writeOnly);
    expect(result.code).not.toBe(0);
    expect((await digestOf('acme/app/write-only', writer)).stderr).toMatch(/manifest unknown/);
  });

  it("§3.2 another group's token cannot pull a private project's image", async () => {
    const outsider = (await makeGroupToken(s, otherGroup, { scopes: ['read_registry', 'write_registry'], level: AccessLevel.OWNER })).token;
    const result = await pull('acme/app', outsider);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unauthorized: authentication required/);
  });

  it('§2 revoked and rotated-away tokens are refused by the token service: "HTTP Basic: Access denied"; the successor works', async () => {
    const root = consoleCallerAs(s.root);
    const revoked = await makeGroupToken(s, group, { scopes: ['read_registry'] });
    expect((await revokeResourceAccessToken(s.ctx, root, groupRef(group), revoked.id)).ok).toBe(true);
    const rotatedAway = await makeGroupToken(s, group, { scopes: ['read_registry'] });
    const rotated = await rotateResourceAccessToken(s.ctx, root, groupRef(group), rotatedAway.id, undefined);
    if (!rotated.ok) throw new Error(`rotation failed: ${rotated.error.kind}`);
    for (const token of [revoked.token, rotatedAway.token]) {
      const result = await pull('acme/app', token);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/unable to retrieve auth token: invalid username\/password: unauthorized: HTTP Basic: Access denied/);
    }
    expect((await digestOf('acme/app', rotated.value.plaintext)).digest).toBe(pushedDigest);
  });

  it('§3.2 anonymous pulls work for a public project only', async () => {
    const published = image('public\n');
    expect((await push(published.source, 'acme/site', writer)).code).toBe(0);
    const pulled = await pull('acme/site', null);
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    expect((await digestOf('acme/site', null)).digest).toBe(published.digest);
    const refused = await pull('acme/app', null);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/invalid status code from registry 403/);
  });

  it('§5 distribution 2.8 finds the key by the libtrust kid alone, or takes it from x5c alone; a kid over the PKCS#1 key is "untrusted"', async () => {
    const answer = await fetch(`${s.url}/jwt/auth?service=container_registry&scope=repository:acme/app:pull`, {
      headers: { authorization: `Basic ${Buffer.from(`user:${writer}`).toString('base64')}` },
    });
    const { token } = (await answer.json()) as { token: string };
    const { kid, x5c } = decodeProtectedHeader(token);
    const signingKey = createPrivateKey(readFileSync(join(s.ctx.config.dataDir, 'registry-signing-key.pem')));
    const resigned = (header: JWTHeaderParameters) => new SignJWT(decodeJwt(token)).setProtectedHeader(header).sign(signingKey);
    const manifest = async (bearer: string) =>
      (await fetch(`${registry.url}/v2/acme/app/manifests/latest`, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/vnd.oci.image.manifest.v1+json' } })).status;
    expect(await manifest(token)).toBe(200);
    expect(await manifest(await resigned({ alg: 'RS256', typ: 'JWT', kid: kid! }))).toBe(200);
    expect(await manifest(await resigned({ alg: 'RS256', typ: 'JWT', x5c: x5c! }))).toBe(200);
    const pkcs1Kid = libtrustKeyId(createPublicKey(signingKey).export({ type: 'pkcs1', format: 'der' }));
    expect(await manifest(await resigned({ alg: 'RS256', typ: 'JWT', kid: pkcs1Kid }))).toBe(401);
    expect(registry.log()).toMatch(/token signed by untrusted key with ID/);
  });

  it('§3 skopeo login asks for no scope: a token logs in, a bad one is refused', async () => {
    const authfile = join(work.path, 'auth.json');
    const login = (token: string) => skopeo(work.path, ['login', '--tls-verify=false', '--authfile', authfile, '--username', 'user', '--password', token, registry.host]);
    const ok = await login(writer);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const refused = await login('glpat-not-a-token');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/invalid username\/password/);
  });
});
