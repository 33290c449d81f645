import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Eight-plus MIME types, as a mixed HTTP/SMTP/FTP capture yields. */
export const MIMES: Array<[string, string]> = [
  ['application/pdf', 'pdf'],
  ['application/x-dosexec', 'exe'],
  ['application/zip', 'zip'],
  ['application/vnd.ms-excel', 'xls'],
  ['image/png', 'png'],
  ['image/gif', 'gif'],
  ['text/html', 'html'],
  ['text/plain', 'txt'],
  ['application/javascript', 'js'],
  ['message/rfc822', 'eml'],
];

/** N small files named per the BroAPT convention, spread over per-MIME folders; returns their paths. */
export async function makeDump(dump: string, n: number, offset = 0): Promise<string[]> {
  const files: string[] = [];
  const made = new Set<string>();
  for (let i = offset; i < offset + n; i++) {
    const [mime, ext] = MIMES[i % MIMES.length]!;
    const folder = path.join(dump, mime);
    if (!made.has(folder)) {
      await fs.mkdir(folder, { recursive: true });
      made.add(folder);
    }
    const file = path.join(folder, `HTTP-F${String(i).padStart(17, '0')}.bench-capture.${mime.replace('/', '.')}.${ext}`);
    await fs.writeFile(file, `sample ${i}\n`);
    files.push(file);
  }
  return files;
}

/** An api.yml whose every app is the same trivial report command, with workdirs that exist. */
export async function writeTrivialApi(apiRoot: string, report = ': "$BROAPT_PATH"'): Promise<void> {
  await fs.mkdir(path.join(apiRoot, 'example'), { recursive: true });
  const sections = new Map<string, string[]>();
  for (const [mime] of MIMES.slice(0, 4)) {
    const [media, subtype] = mime.split('/') as [string, string];
    await fs.mkdir(path.join(apiRoot, media, subtype), { recursive: true });
    sections.set(media, [...(sections.get(media) ?? []), `  ${subtype}:\n    report: '${report}'`]);
  }
  const yaml = [`example:\n  report: '${report}'`, ...[...sections].map(([media, subs]) => `${media}:\n${subs.join('\n')}`)].join('\n');
  await fs.writeFile(path.join(apiRoot, 'api.yml'), `${yaml}\n`);
}

/** Seconds the command took, and what it printed; rejects when it exits non-zero. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): Promise<{ seconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    if (input !== undefined) child.stdin!.end(input);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ seconds: (performance.now() - started) / 1000, stdout }) : reject(new Error(`${command} exited ${code}`))));
  });
}

/** Regular files below `root` (none when it is missing), walked in name order, at most `limit`. */
export function regularFilesUnder(root: string, limit = Number.POSITIVE_INFINITY): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= limit) return;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) found.push(full);
    }
  };
  if (existsSync(root)) walk(root);
  return found;
}
