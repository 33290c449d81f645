/**
 * ELF analysis (application/x-executable, x-sharedlib, x-pie-executable):
 * what the program is built to do, from its imports, exports, layout and
 * strings, summed into one score. Packing alone says nothing: UPX packs
 * plenty of honest tools. Reads the file only; never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { scoreFinding } from '../lib/score.ts';
import { matchedIndicators } from './indicators.ts';
import { unpackUpx } from './packer.ts';
import { type ElfInfo, parseElf } from './parse.ts';
import { stagerCode } from './stager.ts';
import { printableStrings, xorDecodedStrings, xorHiddenWords } from './strings.ts';

export { parseElf, type ElfInfo } from './parse.ts';

/** `maxImports`: big programs (ssh) legitimately combine these; the droppers that do are small. */
const IMPORT_GROUPS: Array<{ rule: string; all: string[]; any?: string[]; maxImports?: number; severity: Finding['severity']; description: string }> = [
  { rule: 'elf.imports.reverse-shell', all: ['socket', 'connect', 'dup2'], any: ['execve', 'execl', 'execlp', 'execvp', 'system'], maxImports: 60, severity: 'medium', description: 'imports to connect out and hand the socket to a shell' },
  { rule: 'elf.imports.fileless-exec', all: ['memfd_create'], any: ['fexecve', 'execve', 'execveat'], severity: 'medium', description: 'imports to run a program from memory' },
  { rule: 'elf.imports.ptrace', all: ['ptrace'], severity: 'low', description: 'imports ptrace (anti-debugging or injection)' },
  { rule: 'elf.imports.privilege', all: ['setuid', 'setgid'], any: ['execve', 'system'], severity: 'low', description: 'imports to change identity and run programs' },
];

const USUAL_INTERPRETER = /^\/(usr\/)?lib(32|64|x32)?\/(.*\/)?ld-(linux|musl)[\w.-]*\.so(\.\d+)*$|^\/usr\/lib\/ld\.so\.1$|^\/libexec\/ld-elf\.so\.1$/;

/** Findings from the headers alone. */
export function elfFindings(info: ElfInfo): Finding[] {
  const findings: Finding[] = [];
  if (info.sections.length === 0 && info.type !== 'core') findings.push({ rule: 'elf.no-section-headers', description: 'no section headers: stripped to hinder analysis', severity: 'low' });
  if (info.interpreter !== null && !USUAL_INTERPRETER.test(info.interpreter)) findings.push({ rule: 'elf.unusual-interpreter', description: `program interpreter ${JSON.stringify(info.interpreter)}`, severity: 'low' });
  const imports = new Set(info.imports);
  for (const group of IMPORT_GROUPS) {
    const needed =
      group.all.every((name) => imports.has(name)) && (group.any === undefined || group.any.some((name) => imports.has(name))) && imports.size <= (group.maxImports ?? Number.POSITIVE_INFINITY);
    if (needed) findings.push({ rule: group.rule, description: `${group.description}: ${[...group.all, ...(group.any ?? []).filter((n) => imports.has(n))].join(', ')}`, severity: group.severity });
  }
  return findings;
}

/** Headers, strings and layout together: the header findings plus one `elf.score` finding. */
export function analyseElf(bytes: Buffer, info: ElfInfo): { findings: Finding[]; score: number; indicators: string[] } {
  const unpacked = unpackUpx(bytes, info);
  const findings = [...unpacked.findings, ...elfFindings(info)];
  const stager = stagerCode(bytes, info);
  if (stager !== undefined) findings.push({ rule: 'elf.stager', description: `tiny section-less ELF that ${stager} (Metasploit/Cobalt Strike stager)`, severity: 'high' });
  // A packed program's strings are only in its unpacked bytes; the stub's own are judged too.
  const hiddenPlain = xorHiddenWords(bytes);
  const hiddenPacked = xorHiddenWords(unpacked.bytes);
  const text = [
    printableStrings(bytes),
    printableStrings(unpacked.bytes),
    xorDecodedStrings(bytes, hiddenPlain.map((h) => h.key)),
    xorDecodedStrings(unpacked.bytes, hiddenPacked.map((h) => h.key)),
  ].join('\n');
  const hidden = [...hiddenPlain, ...hiddenPacked].filter((h, i, all) => all.findIndex((o) => o.word === h.word) === i);
  const matched = matchedIndicators({ info, bytes, text, hidden });
  const { score, finding } = scoreFinding('elf.score', matched);
  if (finding) findings.push(finding);
  return { findings, score, indicators: matched.map((i) => i.id) };
}

export const elfAnalyzer: Analyzer = {
  name: 'elf',
  accepts: (sample) => sample.bytes.length >= 52 && sample.bytes.readUInt32BE(0) === 0x7f454c46,
  analyse(sample) {
    const info = parseElf(sample.bytes);
    if (info === undefined) return { findings: [{ rule: 'elf.malformed', description: 'not a parseable ELF file', severity: 'low' }] };
    const { findings, score, indicators } = analyseElf(sample.bytes, info);
    return { findings, details: { ...info, imports: info.imports.slice(0, 200), exports: info.exports.slice(0, 200), importCount: info.imports.length, score, indicators } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(elfAnalyzer));
