import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ZEEK_SCRIPTS } from '../source/engine/zeek.ts';
import { mimePattern, zeekInvocation, zeekString } from '../source/engine/zeek-config.ts';
import { extensionTable, TABLE_FILE } from '../scripts/zeek-extensions.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { REPO, runCli, useWorkspace, type Workspace } from './helpers/workspace.ts';

const workspace = useWorkspace();
const STANDIN = path.join(REPO, 'test/helpers/zeek-standin.mjs');
/** The smallest valid pcap: its global header (little-endian µs magic, v2.4, Ethernet). */
const EMPTY_PCAP = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');

const API = `
example:
  report: printf '%s\\n' "$BROAPT_PATH" >> seen.txt
`;

/**
 * A recording of the Bro 2.5 run on infectedPCAP: its logs, and the two files
 * its extract analyzer wrote that the fixtures keep (the others are malware
 * and were never copied, so files.log names six files that are not there).
 */
async function infectedRecording(ws: Workspace, fixtures: string): Promise<string> {
  const recordings = path.join(ws.dir, 'recordings');
  const dir = path.join(recordings, 'infected');
  await mkdir(path.join(dir, 'extract_files'), { recursive: true });
  const logs = path.join(fixtures, 'zeek-logs/tsv/bro-2.5-infectedpcap');
  for (const name of await readdir(logs)) await copyFile(path.join(logs, name), path.join(dir, name));
  const extracted = path.join(fixtures, 'extracted/bro-2.5-infectedpcap');
  for (const name of await readdir(extracted)) await copyFile(path.join(extracted, name), path.join(dir, 'extract_files', name));
  return recordings;
}

async function capture(ws: Workspace, name: string): Promise<string> {
  const file = path.join(ws.dir, 'captures', name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, EMPTY_PCAP);
  return file;
}

function standinEnv(ws: Workspace, recordings: string, extra: Record<string, string> = {}) {
  return { ...ws.env, BROAPT_ZEEK: STANDIN, ZEEK_STANDIN_RECORDINGS: recordings, BROAPT_LOG_LEVEL: 'warn', ...extra };
}

describe('broapt run with Zeek (a stand-in replaying recorded Zeek output)', () => {
  test('runs zeek per PCAP in its log folder, analyses every extracted file files.log names, runs the hooks, records the PCAP', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const recordings = await infectedRecording(ws, fixtures);
    const pcap = await capture(ws, 'infected.pcap');
    const result = await runCli(['run', pcap], standinEnv(ws, recordings, { BROAPT_LOAD_PROTOCOL: 'http,ssl' }));
    expect(result.code).toBe(0);

    const [folder] = (await readdir(ws.logs)).filter((name) => name.startsWith('infected-'));
    const logDir = path.join(ws.logs, folder!);
    // Zeek was given the PCAP, the shipped scripts and the config written from the switches, checksums off.
    const args = JSON.parse(await readFile(path.join(logDir, 'standin-args.json'), 'utf8')) as string[];
    expect(args).toEqual(['-C', '-r', pcap, ZEEK_SCRIPTS, path.join(logDir, 'broapt-config.zeek')]);
    const config = await readFile(path.join(logDir, 'broapt-config.zeek'), 'utf8');
    expect(config).toContain(`redef FileExtract::prefix = "${ws.dump}/";`);
    expect(config).toContain('redef BroAPT::pcap_name = "infected";');
    expect(config).toContain('redef BroAPT::load_protocol = { "HTTP", "SSL" };');

    // Both files present were analysed under Zeek's default names; the six missing ones were warned about.
    const seen = (await readFile(path.join(ws.api, 'example', 'seen.txt'), 'utf8')).trim().split('\n').map((line) => path.basename(line)).sort();
    expect(seen).toEqual(['extract-1268758221.744665-SSL-FOXSw43hGklBYILWHh', 'extract-1268758238.345221-HTTP-FAGlA733M0RvJJmpy4']);
    expect(result.stderr.match(/is not in the dump folder/g)).toHaveLength(6);

    // The logs are Zeek's, byte for byte, and the hooks ran on them.
    const original = await readFile(path.join(fixtures, 'zeek-logs/tsv/bro-2.5-infectedpcap/files.log'));
    expect(await readFile(path.join(logDir, 'files.log'))).toEqual(original);
    const extractedFiles = (await readFile(path.join(logDir, 'extracted_files.log'), 'utf8')).trim().split('\n');
    expect(extractedFiles.length).toBeGreaterThanOrEqual(2);
    expect(await readdir(logDir)).toContain('http_connections.log');
    expect(await ws.readLines('processed_pcaps.log' as 'dump.log')).toEqual([pcap]);
  });

  test('never follows a files.log name out of the dump folder or through a symlink', async (context) => {
    requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const recordings = path.join(ws.dir, 'recordings');
    const dir = path.join(recordings, 'hostile');
    await mkdir(dir, { recursive: true });
    const secret = path.join(ws.dir, 'secret.txt');
    await writeFile(secret, 'not for analysis');
    await symlink(secret, path.join(ws.dump, 'link'));
    const header = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tfiles', '#fields\tts\tfuid\textracted', '#types\ttime\tstring\tstring'];
    const rows = ['1.0\tFescape1\t../secret.txt', '2.0\tFescape2\t/etc/passwd', '3.0\tFlink\tlink'];
    await writeFile(path.join(dir, 'files.log'), `${[...header, ...rows].join('\n')}\n`);
    const result = await runCli(['run', await capture(ws, 'hostile.pcap')], standinEnv(ws, recordings));
    expect(result.code).toBe(0);
    expect(await readFile(path.join(ws.api, 'example', 'seen.txt'), 'utf8').catch(() => '')).toBe('');
    expect(result.stderr.match(/outside the dump folder/g)).toHaveLength(2);
    expect(result.stderr).toContain('is not a regular file');
  });

  test('a PCAP zeek fails on is reported, not recorded, and taken again next run', async () => {
    const ws = workspace();
    await ws.writeApi(API);
    const recordings = path.join(ws.dir, 'recordings');
    await mkdir(recordings);
    const pcap = await capture(ws, 'unknown.pcap');
    const result = await runCli(['run', pcap], standinEnv(ws, recordings));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('zeek failed on');
    expect(result.stderr).toContain('problem with trace file');
    expect(await ws.readLines('processed_pcaps.log' as 'dump.log')).toEqual([]);
  });

  test('invalid switches stop the run before any PCAP, naming the variable', async () => {
    const ws = workspace();
    await ws.writeApi(API);
    const result = await runCli(['run', await capture(ws, 'a.pcap')], { ...ws.env, BROAPT_ZEEK: STANDIN, BROAPT_SIZE_LIMIT: 'big' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('BROAPT_SIZE_LIMIT="big" is not valid');
  });
});

describe('the Zeek configuration broapt writes', () => {
  test('BROAPT_LOAD_MIME globs become one anchored Zeek pattern with fnmatch semantics', () => {
    expect(mimePattern([])).toBe('/.*/');
    expect(mimePattern(['application/pdf', 'application/vnd.ms-*', 'text/x-?ython', 'image/[!g]*'])).toBe(
      '/^(application\\/pdf|application\\/vnd\\.ms\\-.*|text\\/x\\-.ython|image\\/[^g].*)$/',
    );
  });

  test('names from disk cannot end a Zeek string literal', () => {
    expect(zeekString('day1 "x"\\y\n')).toBe('"day1 \\x22x\\x22\\x5cy\\x0a"');
  });

  test('every switch maps to its flag or redef', () => {
    const env = {
      BROAPT_BARE_MODE: 'true',
      BROAPT_NO_CHKSUM: 'false',
      BROAPT_X509_MODE: 'yes',
      BROAPT_ENTROPY_MODE: '1',
      BROAPT_JSON_MODE: 'true',
      BROAPT_HASH_MD5: 'false',
      BROAPT_FILE_BUFFER: '4096',
      BROAPT_SIZE_LIMIT: '0',
      BROAPT_LOAD_MIME: 'application/*, text/html',
      BROAPT_LOAD_PROTOCOL: 'http,ftp_data',
    };
    const { flags, script } = zeekInvocation(env, { dumpPath: '/srv/dump', pcapName: 'day1.office' });
    expect(flags).toEqual(['-b']);
    for (const line of [
      '@load base/protocols/http',
      '@load base/files/x509',
      '@load frameworks/files/entropy-test-all-files',
      'redef LogAscii::use_json = T;',
      'redef BroAPT::hash_md5 = F;',
      'redef BroAPT::hash_sha256 = T;',
      'redef BroAPT::x509 = T;',
      'redef Files::reassembly_buffer_size = 4096;',
      'redef FileExtract::default_limit = 0;',
      'redef BroAPT::load_mime = /^(application\\/.*|text\\/html)$/;',
      'redef BroAPT::load_protocol = { "HTTP", "FTP_DATA" };',
      'redef BroAPT::pcap_name = "day1.office";',
    ]) {
      expect(script).toContain(line);
    }
    expect(zeekInvocation({}, { dumpPath: '/d', pcapName: 'p' }).flags).toEqual(['-C']);
  });

  test('the MIME → extension table is what scripts/zeek-extensions.ts generates', async () => {
    const table = await readFile(TABLE_FILE, 'utf8');
    expect(table).toBe(extensionTable());
    expect(table).toContain('["application/x-dosexec"] = "exe"');
  });
});
