import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleCallerAs } from '../../src/services/caller.js';
import { createResourceAccessToken, type ResourceRef } from '../../src/services/resource-access-tokens.js';
import { createProjectRepository } from '../../src/services/repositories.js';
import { findUserById } from '../../src/store/repositories/users.js';
import type { GroupRow, ProjectRow, UserRow } from '../../src/store/schema.js';
import { AccessLevel, makeProject } from './factories.js';
import type { Harness } from './harness.js';

/** Test data and the real `git` client for Git-over-HTTP tests and the clone benchmark. */

export interface GroupToken {
  token: string;
  id: number;
  bot: UserRow;
}

/**
 * A group or project access token, made by the resource access token service as the console makes
 * one (with root's authority): a `project_bot` user that is a direct member of the resource at
 * `level`, its token. Without `expiresAt` the token gets the default lifetime (T2).
 */
async function makeResourceToken(
  h: Harness,
  resource: ResourceRef,
  options: { level?: number; scopes?: string[]; expiresAt?: string; name?: string; allowedCidrs?: string[] } = {},
): Promise<GroupToken> {
  const caller = consoleCallerAs(h.root);
  const created = await createResourceAccessToken(h.ctx, caller, resource, {
    name: options.name ?? 'git token',
    scopes: options.scopes ?? ['read_repository'],
    accessLevel: options.level ?? AccessLevel.MAINTAINER,
    expiresAt: options.expiresAt,
    allowedCidrs: options.allowedCidrs,
  });
  if (!created.ok) throw new Error(`${resource.kind} access token not created: ${created.error.kind} ${created.error.message ?? ''}`);
  const bot = await findUserById(h.ctx.database.db, created.value.token.user_id);
  return { token: created.value.plaintext, id: created.value.token.id, bot: bot! };
}

/** A group access token (see makeResourceToken). */
export const makeGroupToken = (h: Harness, group: GroupRow, options: Parameters<typeof makeResourceToken>[2] = {}) =>
  makeResourceToken(h, { kind: 'group', ref: String(group.id) }, options);

/** A project access token (§10; see makeResourceToken). */
export const makeProjectToken = (h: Harness, project: ProjectRow, options: Parameters<typeof makeResourceToken>[2] = {}) =>
  makeResourceToken(h, { kind: 'project', ref: String(project.id) }, options);

/** A project with its bare repository, as POST /projects makes them. */
export async function makeRepositoryProject(
  h: Harness,
  group: GroupRow,
  options: { path?: string; visibility?: ProjectRow['visibility'] } = {},
): Promise<{ project: ProjectRow; path: string }> {
  const project = await makeProject(h, group, options);
  return { project, path: await createProjectRepository(h.ctx, { group, project }) };
}

/** A scratch directory, removed by the returned function. */
export function scratchDir(prefix = 'tollgate-git-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The environment of a git client that never prompts and reads no user or system configuration
 * (its HOME is a scratch directory).
 */
export function gitClientEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Tollgate Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Tollgate Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ...extra,
  };
}

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs git with an argument array; resolves with its exit code and output (never rejects on failure). */
export function runGit(
  args: string[],
  options: { cwd?: string; env: Record<string, string>; input?: string | Buffer; onSpawn?: (pid: number) => void },
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** `http://<username>:<token>@host/<repository>`; git sends the credentials after the 401 challenge. */
export function gitUrl(baseUrl: string, repository: string, credentials?: { token: string; username?: string }): string {
  const url = new URL(`${baseUrl}/${repository}`);
  if (credentials) {
    url.username = credentials.username ?? 'tollgate-test';
    url.password = credentials.token;
  }
  return url.toString();
}

/**
 * Writes history straight into a bare repository with `git fast-import` (no server involved):
 * `commits` commits on `main`, each changing one file, and `tags` lightweight tags on the newest ones.
 */
export async function seedHistory(barePath: string, options: { commits: number; tags?: number; env: Record<string, string> }): Promise<void> {
  const parts: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let i = 1; i <= options.commits; i++) {
    parts.push(`commit refs/heads/main\nmark :${i}\ncommitter Tollgate Test <test@example.com> ${1_700_000_000 + i} +0000\n`);
    parts.push(data(`commit ${i}`));
    parts.push(`M 644 inline file-${i % 50}.txt\n${data(`content of commit ${i}\n`.repeat(20))}`);
  }
  const tags = Math.min(options.tags ?? 0, options.commits);
  for (let t = 1; t <= tags; t++) parts.push(`reset refs/tags/v${t}\nfrom :${options.commits - tags + t}\n\n`);
  const result = await runGit(['--git-dir', barePath, 'fast-import', '--quiet'], { env: options.env, input: parts.join('') });
  if (result.code !== 0) throw new Error(`fast-import failed: ${result.stderr}`);
}
