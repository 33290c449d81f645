/**
 * A container app's image from `build:` (a Containerfile FROM the local busybox
 * image) with its `install` steps as layers: built once, tagged by content
 * hash, reused by the next run; the install never runs per file.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxImage, engine, ENGINE_ENV } from './helpers/container.ts';
import { broaptName, makeWorkspace, runCli, type Workspace } from './helpers/workspace.ts';

let ws: Workspace;
let first: Array<Record<string, unknown>>;
let second: Array<Record<string, unknown>>;
let firstCode: number | null;
/** In the recipe, so each test run builds its own image (and removes it). */
const RUN = randomBytes(4).toString('hex');

type Command = { phase: string; command: string; log: string; exitCode: number | null };

beforeAll(async () => {
  const image = busyboxImage();
  ws = await makeWorkspace();
  fs.mkdirSync(path.join(ws.api, 'img'));
  fs.writeFileSync(path.join(ws.api, 'img', 'Containerfile'), `FROM ${image}\nRUN echo built-from-containerfile > /built.txt\n`);
  fs.writeFileSync(path.join(ws.api, 'example', 'tool.sh'), 'echo tool-from-workdir\n');
  fs.writeFileSync(
    path.join(ws.api, 'api.yml'),
    `example:
  runner: container
  build: img
  environ:
    LEVEL: "3"
    RUN_ID: ${RUN}
  install:
    - echo "installed-$LEVEL" > /installed.txt
    - sh tool.sh > /tool.txt
  report: cat /built.txt /installed.txt /tool.txt
`,
  );
  fs.writeFileSync(path.join(ws.dump, broaptName(1, 'text/plain', 'txt')), 'one');
  const env = { ...ws.env, ...ENGINE_ENV };
  const run1 = await runCli(['scan', '--max-retry', '1'], env);
  firstCode = run1.code;
  first = await ws.records();
  fs.writeFileSync(path.join(ws.dump, broaptName(2, 'text/plain', 'txt')), 'two');
  await runCli(['scan', '--max-retry', '1'], env);
  second = (await ws.records()).slice(first.length);
}, 120_000);

afterAll(async () => {
  const tags = engine(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=broapt=1']).split('\n').filter((tag) => tag.startsWith('localhost/broapt-example:'));
  if (tags.length > 0) engine(['rmi', '-f', ...tags]);
  await ws.cleanup();
});

describe('container app built from a folder, with install steps as layers', () => {
  it('builds the image once, logging the build as the install command', () => {
    expect(firstCode).toBe(0);
    const commands = first[0]!.commands as Command[];
    expect(commands.map((command) => command.phase)).toEqual(['install', 'report']);
    expect(commands[0]!.command).toContain('build');
    expect(commands[0]!.command).toMatch(/localhost\/broapt-example:[0-9a-f]{16}/);
  });

  it('runs the report in the image: Containerfile, install steps (with environ and the workdir)', () => {
    const report = (first[0]!.commands as Command[])[1]!;
    const log = fs.readFileSync(report.log, 'utf8');
    expect(log).toContain('built-from-containerfile\ninstalled-3\ntool-from-workdir\n');
  });

  it('reuses the image on the next run: no build, no install', () => {
    expect(second).toHaveLength(1);
    expect(second[0]!.status).toBe('done');
    expect((second[0]!.commands as Command[]).map((command) => command.phase)).toEqual(['report']);
  });
});
