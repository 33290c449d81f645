/**
 * Checks `realMimeOf` (libmagic in process) against `file --mime-type` on the
 * path, file by file, and times it against the former way (`file` spawned per
 * file with the head on stdin). Prints one line per file and the mean cost.
 * Default: the benign corpus and the fixture samples; --bad adds the bad
 * corpus, unpacked into a temporary folder (bytes are only read, never run).
 *
 *   node scripts/realmime-compare.ts [--bad] [FILE_OR_DIR ...]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { realMimeOf } from '../apps/lib/libmagic.ts';
import { tool } from '../apps/lib/tools.ts';
import { corpusRoot, makeTempDir, mimeOf, unpackCorpus } from './corpus.ts';

const { values, positionals } = parseArgs({ options: { bad: { type: 'boolean' } }, allowPositionals: true });
const shared = path.resolve(corpusRoot(), '..');
const roots = positionals.length > 0 ? positionals : [path.join(shared, 'corpus', 'benign'), path.join(shared, 'fixtures', 'samples')];
const walk = (at: string): string[] =>
  fs.statSync(at).isDirectory() ? fs.readdirSync(at).sort().flatMap((name) => walk(path.join(at, name))) : fs.statSync(at).isFile() ? [at] : [];

const dir = makeTempDir('broapt-realmime-');
try {
  const files = roots.flatMap(walk);
  if (values.bad) files.push(...unpackCorpus(corpusRoot(), dir, (f) => f.label === 'bad').map((f) => f.file));
  let spawnMs = 0;
  let inProcessMs = 0;
  let differ = 0;
  let stdinDiffer = 0;
  for (const file of files) {
    const head = fs.readFileSync(file).subarray(0, 1 << 20);
    const onPath = mimeOf(file);
    let started = performance.now();
    const stdin = (await tool('file', ['--brief', '--mime-type', '-'], { input: head, timeoutMs: 10_000 })).stdout.trim();
    spawnMs += performance.now() - started;
    started = performance.now();
    const now = await realMimeOf(head);
    inProcessMs += performance.now() - started;
    differ += now === onPath ? 0 : 1;
    stdinDiffer += stdin === onPath ? 0 : 1;
    const mark = now === onPath ? (stdin === onPath ? 'same' : 'same, stdin differs') : 'DIFFERS';
    console.log(`${mark.padEnd(20)} ${path.relative(shared, file).padEnd(64)} ${onPath}${now === onPath ? '' : ` realMimeOf ${now}`}${stdin === onPath ? '' : ` stdin ${stdin}`}`);
  }
  const mean = (ms: number) => (ms / files.length).toFixed(2);
  console.log(`\n${files.length} files: realMimeOf differs from file --mime-type on ${differ}, the old spawn with the head on stdin on ${stdinDiffer}`);
  console.log(`mean ms per file: spawn ${mean(spawnMs)}, realMimeOf ${mean(inProcessMs)}`);
  process.exitCode = differ === 0 ? 0 : 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
