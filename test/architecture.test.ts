import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md, checked on the source: a file that breaks one fails here with
 * its name and the offending import or query, so the rule holds without anyone remembering it.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

interface SourceFile {
  /** Path from the repository root, with forward slashes: `src/http/routes/groups.ts`. */
  path: string;
  text: string;
  imports: { specifier: string; typeOnly: boolean; target: string | null }[];
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;

const sources: SourceFile[] = listSources(src).map((full) => {
  const text = readFileSync(full, 'utf8');
  const imports = [...text.matchAll(IMPORT)].map(([, , typeOnly, specifier]) => {
    const target = specifier!.startsWith('.') ? relative(root, resolve(dirname(full), specifier!.replace(/\.js$/, '.ts'))).replaceAll('\\', '/') : null;
    return { specifier: specifier!, typeOnly: typeOnly !== undefined, target };
  });
  return { path: relative(root, full).replaceAll('\\', '/'), text, imports };
});

const inLayer = (file: SourceFile, ...layers: string[]) => layers.some((layer) => file.path.startsWith(`src/${layer}/`));

/** `where` lists every breach as "file: what", so a failure says exactly what to move. */
function breaches(files: SourceFile[], check: (file: SourceFile) => string[]): string[] {
  return files.flatMap((file) => check(file).map((what) => `${file.path}: ${what}`));
}

const QUERY_BUILDING = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql`|\.prepare\(|\.query\(/g;

describe('layers (docs/architecture.md)', () => {
  it('SQL lives in src/store only: no query building and no Kysely value import elsewhere', () => {
    const found = breaches(
      sources.filter((f) => !inLayer(f, 'store')),
      (file) => [
        ...file.imports.filter((i) => i.specifier === 'kysely' && !i.typeOnly).map((i) => `imports ${i.specifier}`),
        ...[...file.text.matchAll(QUERY_BUILDING)].map((m) => `builds a query (${m[0]})`),
      ],
    );
    expect(found).toEqual([]);
  });

  it('routes, the Git front and the console reach the store only through services (row types excepted)', () => {
    const found = breaches(
      sources.filter((f) => inLayer(f, 'http', 'cli') && f.path !== 'src/cli/runtime.ts'),
      (file) =>
        file.imports
          .filter((i) => i.target?.startsWith('src/store/') && !(i.typeOnly && /^src\/store\/schema[\w-]*\.ts$/.test(i.target)))
          .map((i) => `imports ${i.target}${i.typeOnly ? ' (type)' : ''}`),
    );
    expect(found).toEqual([]);
  });

  it('the console uses of the HTTP layer only its presenters, to print what the API answers', () => {
    const found = breaches(
      sources.filter((f) => inLayer(f, 'cli') && f.path !== 'src/cli/main.ts'),
      (file) => file.imports.filter((i) => i.target?.startsWith('src/http/') && !i.target.startsWith('src/http/presenters/')).map((i) => `imports ${i.target}`),
    );
    expect(found).toEqual([]);
  });

  it('services, the store and the domain know nothing of HTTP or the console', () => {
    const found = breaches(
      sources.filter((f) => inLayer(f, 'services', 'store', 'domain', 'mail', 'jobs')),
      (file) =>
        file.imports
          .filter((i) => i.target?.startsWith('src/http/') || i.target?.startsWith('src/cli/') || i.specifier === 'fastify' || i.specifier.startsWith('@fastify/'))
          .map((i) => `imports ${i.target ?? i.specifier}`),
    );
    expect(found).toEqual([]);
  });

  it('the domain is pure: it imports only other domain files and computation (from node, and ipaddr.js for addresses)', () => {
    const pureNodeModules = new Set(['node:crypto', 'node:net', 'node:zlib', 'ipaddr.js']);
    const found = breaches(
      sources.filter((f) => inLayer(f, 'domain')),
      (file) =>
        file.imports
          .filter((i) => (i.target ? !i.target.startsWith('src/domain/') : !pureNodeModules.has(i.specifier)))
          .map((i) => `imports ${i.target ?? i.specifier}`),
    );
    expect(found).toEqual([]);
  });

  it('no import cycles between source files', () => {
    const graph = new Map(sources.map((f) => [f.path, f.imports.filter((i) => !i.typeOnly && i.target).map((i) => i.target!)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('finds the sources it checks (a broken walk would pass every rule)', () => {
    expect(sources.filter((f) => inLayer(f, 'http')).length).toBeGreaterThan(20);
    expect(sources.filter((f) => inLayer(f, 'store')).length).toBeGreaterThan(8);
  });
});
