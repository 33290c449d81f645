import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listFiles, walkFiles } from '../source/pipeline/listing.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'broapt-listing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('walks folder by folder in the order a sort of the full paths gives', async () => {
  // "b-x/" sorts before "b/" as a path ("-" < "/") though "b" < "b-x" as a name; "b0" sorts after "b/".
  const files = ['b/f', 'b-x/f', 'b0', 'b.txt', 'a', 'b/c/d', 'b/c-e', 'B', 'é/z', 'z'];
  for (const file of files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), '');
  }
  await symlink('/etc/passwd', path.join(dir, 'b', 'link'));
  const skipped: string[] = [];
  const walked: string[] = [];
  for await (const file of walkFiles([dir], [], (file, reason) => skipped.push(`${path.relative(dir, file)}: ${reason}`))) walked.push(path.relative(dir, file));
  expect(walked).toEqual(files.map((file) => path.join(dir, file)).sort().map((file) => path.relative(dir, file)));
  expect(skipped).toEqual(['b/link: symlink']);
  expect((await listFiles([dir])).files).toEqual(walked.map((file) => path.join(dir, file)));
});

it('walks a root given twice, or inside another, once', async () => {
  for (const file of ['a/x', 'a/b/y', 'c']) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), '');
  }
  const walked: string[] = [];
  for await (const file of walkFiles([path.join(dir, 'a', 'b'), dir, `${dir}/`, path.join(dir, 'c')])) walked.push(path.relative(dir, file));
  expect(walked).toEqual(['a/b/y', 'a/x', 'c']);
});
