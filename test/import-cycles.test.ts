import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const TREES = ['source', 'apps'];
/**
 * Relative specifiers of `import … from`, `import type … from`, `export … from`
 * and `import('…')` with a literal: a type-only or lazy edge still ties two
 * modules together, so a cycle through one is a cycle too.
 */
const IMPORT = /(?:^|[\n;])\s*(?:import|export)\s[^'";]*?\sfrom\s+['"](\.[^'"]+)['"]|(?:^|[\n;])\s*import\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Module (relative to the repository) → the modules it imports. */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => path.relative(ROOT, path.resolve(path.dirname(file), (m[1] ?? m[2] ?? m[3])!)));
    graph.set(path.relative(ROOT, file), targets);
  }
  return graph;
}

/** Every cycle's modules in import order, one per strongly connected group. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

describe('import graph', () => {
  it('finds the modules and their imports', () => {
    const graph = importGraph(TREES.flatMap((tree) => sourceFiles(path.join(ROOT, tree))));
    expect(graph.get('source/api/load.ts')).toContain('source/api/validate.ts');
    expect(graph.get('source/cli/main.ts')).toContain('source/cli/commands/scan.ts');
  });

  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('has no cycle in source/ or apps/', () => {
    const graph = importGraph(TREES.flatMap((tree) => sourceFiles(path.join(ROOT, tree))));
    expect(cycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('keeps the daemon out of the pipeline: a remote app is a runner', () => {
    const graph = importGraph(TREES.flatMap((tree) => sourceFiles(path.join(ROOT, tree))));
    const pipeline = [...graph].filter(([file]) => file.startsWith('source/pipeline/') || file.startsWith('source/pool/'));
    expect(pipeline.flatMap(([file, targets]) => targets.filter((t) => t.startsWith('source/daemon/')).map((t) => `${file} → ${t}`))).toEqual([]);
  });

  it('keeps the shipped apps self-contained: deployments copy apps/ alone to the API root', () => {
    const graph = importGraph(sourceFiles(path.join(ROOT, 'apps')));
    // Tests and their fixtures run from the repository; what an app runs must not reach outside apps/.
    const shipped = [...graph].filter(([file]) => !/\.test\.ts$|\/fixture\.ts$/.test(file));
    expect(shipped.flatMap(([file, targets]) => targets.filter((t) => !t.startsWith('apps/')).map((t) => `${file} → ${t}`))).toEqual([]);
  });
});
