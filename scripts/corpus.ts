/**
 * The labelled corpus (../shared/corpus, or BROAPT_CORPUS): its labels and its
 * samples, the bad ones unpacked with 7-Zip from their `infected` zips into a
 * temporary folder that the caller removes. Nothing here opens or runs a
 * sample: it only copies bytes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));

export type Label = 'bad' | 'suspicious' | 'benign';

export interface CorpusFile {
  /** `bad/pe/wannacry_be22645c.zip` as labels.csv names it. */
  entry: string;
  label: Label;
  type: string;
  sha256: string;
  /** The sample's own name (the zip's member for bad ones). */
  name: string;
  /** Where its bytes are now: in the corpus for benign ones, in `dir` for unpacked ones. */
  file: string;
}

export function corpusRoot(given?: string): string {
  return path.resolve(REPO, given ?? process.env.BROAPT_CORPUS ?? '../shared/corpus');
}

/** RFC 4180 fields of one line (quotes doubled inside quoted fields). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') (value += '"'), (i += 2);
        else if (line[i] === '"') break;
        else value += line[i++];
      }
      fields.push(value);
      i += 2;
    } else {
      const end = line.indexOf(',', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return fields;
}

export interface Labelled {
  entry: string;
  label: Label;
  type: string;
  sha256: string;
}

export function readLabels(root: string): Labelled[] {
  const [header, ...lines] = fs.readFileSync(path.join(root, 'labels.csv'), 'utf8').split(/\r?\n/).filter((line) => line !== '');
  const names = csvFields(header!);
  const at = (name: string) => names.indexOf(name);
  return lines.map((line) => {
    const f = csvFields(line);
    return { entry: f[at('path')]!, label: f[at('label')] as Label, type: f[at('type')]!, sha256: f[at('sha256')]! };
  });
}

/** Unpacks what `only` keeps (default: all) into `dir`, one folder per sample. */
export function unpackCorpus(root: string, dir: string, only: (file: Labelled) => boolean = () => true): CorpusFile[] {
  const files: CorpusFile[] = [];
  for (const labelled of readLabels(root).filter(only)) {
    const source = path.join(root, labelled.entry);
    if (labelled.label === 'benign') {
      files.push({ ...labelled, name: path.basename(labelled.entry), file: source });
      continue;
    }
    const target = path.join(dir, labelled.sha256.slice(0, 16));
    fs.mkdirSync(target, { recursive: true });
    execFileSync('7z', ['x', '-y', '-bd', '-pinfected', `-o${target}`, '--', source], { stdio: 'ignore' });
    const [name] = fs.readdirSync(target);
    if (name === undefined) throw new Error(`${source}: 7z unpacked nothing`);
    files.push({ ...labelled, name, file: path.join(target, name) });
  }
  return files;
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** libmagic's MIME type of each file, in order, as the BroAPT name would carry it: one `file` call for all. */
export function mimesOf(files: string[]): string[] {
  return execFileSync('file', ['--brief', '--mime-type', '--', ...files], { encoding: 'utf8', maxBuffer: 16 << 20 }).trimEnd().split('\n');
}

export const mimeOf = (file: string): string => mimesOf([file])[0]!;
