import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('./log-destination.ts', import.meta.url));

/** Node's arguments to run `body` in a process of its own (the destination writes to its standard output), with `write` of openLogDestination(). */
const nodeRunning = (body: string) => [
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  `const { write } = (await import(${JSON.stringify(MODULE)})).openLogDestination();\n${body}`,
];

describe("serve's log destination (batched standard output)", () => {
  it('hands every line over whole and in order, across many batches, multi-byte characters and a line longer than a batch, before an abrupt exit', () => {
    const child = spawnSync(process.execPath, nodeRunning(`
for (let i = 0; i < 5000; i++) {
  write(JSON.stringify({ i, path: '/api/v4/groups/caf\u00e9-\u20ac-\u{1F600}/access_tokens' }) + '\\n');
  if (i === 2500) write(JSON.stringify({ i: 'long', filler: 'x'.repeat(200000) }) + '\\n');
}
process.exit(0);`), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const lines = child.stdout.split('\n');
    expect(lines.pop()).toBe('');
    const expected: unknown[] = Array.from({ length: 5000 }, (_, i) => ({ i, path: '/api/v4/groups/caf\u00e9-\u20ac-\u{1F600}/access_tokens' }));
    expected.splice(2501, 0, { i: 'long', filler: 'x'.repeat(200000) });
    expect(lines.map((line) => JSON.parse(line))).toEqual(expected);
  });

  it('writes a line within a second, without waiting for a batch to fill or for the exit', async () => {
    const child = spawn(process.execPath, nodeRunning(`
write('{"msg":"alone"}\\n');
setTimeout(() => { process.stderr.write('1.5 s later'); process.exit(0); }, 1500);`));
    const seen: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => seen.push(`stdout: ${chunk.toString()}`));
    child.stderr.on('data', (chunk: Buffer) => seen.push(`stderr: ${chunk.toString()}`));
    await new Promise((resolve) => child.on('close', resolve));
    expect(seen).toEqual(['stdout: {"msg":"alone"}\n', 'stderr: 1.5 s later']);
  });
});
