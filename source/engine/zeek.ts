import { lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readZeekLog } from '../zeek/read.ts';
import { EngineError, type Engine } from './engine.ts';
import { findExecutable } from './executable.ts';
import { pcapStem } from './pcap.ts';
import { zeekInvocation } from './zeek-config.ts';

/** The shipped extraction scripts (a folder Zeek loads through its __load__.zeek). */
export const ZEEK_SCRIPTS = fileURLToPath(new URL('../../zeek/broapt', import.meta.url));

/**
 * Runs Zeek with the shipped scripts on each PCAP in its log folder, then hands
 * every file that files.log names as `extracted` to the scan. Names come from
 * Zeek's log, so they are checked like any untrusted path: inside the dump
 * folder, regular file, never a symlink.
 */
export function zeekEngine(env: NodeJS.ProcessEnv = process.env): Engine {
  const binary = findExecutable('zeek', env.BROAPT_ZEEK?.trim() || undefined, env);
  if (binary === undefined) {
    throw new EngineError(
      'E_NO_ZEEK',
      `no zeek binary found (${env.BROAPT_ZEEK?.trim() ? `BROAPT_ZEEK=${env.BROAPT_ZEEK} is not an executable file` : 'none on PATH'}). ` +
        'Install Zeek (https://docs.zeek.org/en/current/install.html) and put it on PATH or point BROAPT_ZEEK at it, ' +
        'or extract with tshark instead: --engine tshark (or BROAPT_ENGINE=tshark).',
    );
  }
  // Validate the switches once, up front: a bad value must stop the run before any PCAP is taken.
  zeekInvocation(env, { dumpPath: '/', pcapName: 'check' });
  return {
    name: 'zeek',
    async extract(pcap, { outDir, dumpDir, onFile, logger }) {
      const invocation = zeekInvocation(env, { dumpPath: dumpDir, pcapName: pcapStem(pcap) });
      const config = path.join(outDir, 'broapt-config.zeek');
      await writeFile(config, invocation.script);
      const { execa } = await import('execa');
      const result = await execa(binary, [...invocation.flags, '-r', pcap, ZEEK_SCRIPTS, config], { cwd: outDir, env, reject: false, all: true, stdin: 'ignore' });
      if (result.exitCode !== 0) {
        const detail = result.all.trim().split('\n').slice(-5).join('\n') || result.shortMessage;
        throw new EngineError('E_ZEEK', `zeek failed on ${pcap} (exit ${result.exitCode}): ${detail}. Its partial logs are in ${outDir}; run the same command there to see more.`, { exitCode: 1 });
      }
      const filesLog = path.join(outDir, 'files.log');
      if (!(await lstat(filesLog).catch(() => undefined))) return; // no file was seen in this PCAP
      const root = path.resolve(dumpDir);
      for await (const record of readZeekLog(filesLog)) {
        const extracted = record.extracted;
        if (typeof extracted !== 'string' || extracted === '') continue;
        const fuid = String(record.fuid);
        const file = path.resolve(root, extracted);
        const why = !file.startsWith(`${root}${path.sep}`) ? 'names a path outside the dump folder' : await notRegular(file);
        if (why === undefined) onFile({ path: file, fuid });
        else logger.warn({ pcap, fuid, extracted }, `the file files.log names as extracted ${why}; it is not analysed`);
      }
    },
  };
}

async function notRegular(file: string): Promise<string | undefined> {
  const stats = await lstat(file).catch(() => undefined);
  if (stats === undefined) return 'is not in the dump folder (cut off, or removed)';
  return stats.isFile() ? undefined : 'is not a regular file (a symlink or special file is never followed)';
}
