import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The real parts around Tollgate's token service: Debian's docker-registry (distribution 2.8) and
 * skopeo (INTEGRATIONS.md §1, §6), and a tiny OCI image to push, made here (no network).
 */

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const SKOPEO_BIN = '/usr/bin/skopeo';

/** The binaries that are not installed: then the suite is skipped, loudly (CI installs them, .ci/run). */
export function missingBinaries(): string[] {
  const missing = [REGISTRY_BIN, SKOPEO_BIN].filter((bin) => !existsSync(bin));
  if (missing.length > 0) {
    console.warn(`SKIPPED the container registry tests: ${missing.join(' and ')} not installed (Debian packages docker-registry and skopeo; .ci/run installs them)`);
  }
  return missing;
}

export interface RunningRegistry {
  url: string;
  host: string;
  log(): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/**
 * `docker-registry serve` with storage in `dir` and Tollgate's `auth:` block, listening on `port`.
 * Its environment is empty: every REGISTRY_* variable would override the configuration (§5).
 */
export async function startRegistry(dir: string, port: number, authBlock: string): Promise<RunningRegistry> {
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(storage)}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: "127.0.0.1:${port}"`,
      authBlock,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // Ready when /v2/ answers with the token challenge.
  for (;;) {
    if (gone) throw new Error(`docker-registry exited before it was ready:\n${log}`);
    const status = await fetch(`${url}/v2/`).then((r) => r.status, () => 0);
    if (status === 401) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry was not ready in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    log: () => log,
    stop: async () => {
      if (!gone) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface SkopeoResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** skopeo without signature policy or anyone's credentials (its HOME is `home`, its auth file there). */
export function skopeo(home: string, args: string[]): Promise<SkopeoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(SKOPEO_BIN, ['--insecure-policy', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_RUNTIME_DIR: home, LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * An OCI image layout (`oci:<dir>:latest`) of one small gzip-compressed layer holding `content` in
 * `/hello.txt`, and its config. Returns the manifest's digest.
 */
export function writeOciLayout(dir: string, content: string): string {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const files = join(dir, 'rootfs');
  mkdirSync(files);
  writeFileSync(join(files, 'hello.txt'), content);
  const layerTar = join(dir, 'layer.tar');
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', layerTar, '-C', files, 'hello.txt']);
  const blob = (data: Buffer | string) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  // Compressed already, so skopeo pushes the layout as it is (an uncompressed layer it would compress, changing the digest).
  const tar = readFileSync(layerTar);
  const layer = blob(gzipSync(tar));
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] } }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  });
  const stored = blob(manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...stored, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
    }),
  );
  return stored.digest;
}
