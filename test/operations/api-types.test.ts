import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../support/api-types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the web UI types', () => {
  it(`${API_TYPES_FILE} is what the OpenAPI document generates`, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-api-types-')), 'api-types.ts');
    writeFileSync(file, await generateApiTypes());
    const generated = readFileSync(file, 'utf8');
    const committed = readFileSync(join(ROOT, API_TYPES_FILE), 'utf8');
    if (generated === committed) return;
    const lines = [committed.split('\n'), generated.split('\n')] as const;
    const at = lines[0].findIndex((line, i) => line !== lines[1][i]);
    const line = at === -1 ? lines[0].length : at;
    expect.fail(
      `${API_TYPES_FILE} is out of date: run \`npm run generate:api-types\` and commit the result.\n` +
        `First difference at line ${line + 1}:\n  committed: ${lines[0][line] ?? '(end of file)'}\n  generated: ${lines[1][line] ?? '(end of file)'}\n` +
        `The generated file: ${file}`,
    );
  });
});
