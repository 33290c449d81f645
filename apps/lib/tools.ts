import { execFile } from 'node:child_process';
import { spawnTool } from './spawn.ts';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an external tool without a shell (file names never reach one), `input`
 * on its stdin; a missing tool is code null with the reason in stderr. Started
 * with posix_spawn (spawn.ts) where glibc and koffi are, else forked.
 */
export function tool(command: string, args: string[], options: { timeoutMs?: number; input?: Buffer } = {}): Promise<ToolResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxBytes = 64 << 20;
  return spawnTool(command, args, { timeoutMs, maxBytes, input: options.input }) ?? forked(command, args, timeoutMs, maxBytes, options.input);
}

function forked(command: string, args: string[], timeoutMs: number, maxBytes: number, input: Buffer | undefined): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: timeoutMs, maxBuffer: maxBytes, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr: code === null && error ? `${stderr}${error.message}` : stderr });
    });
    // A tool that stops reading early (it has seen enough) must not fail the write.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** A colon-separated path list from the environment, or the default; `off` turns the part off. */
export function pathList(value: string | undefined, fallback: string[]): string[] {
  if (value === undefined || value.trim() === '') return fallback;
  if (value.trim() === 'off') return [];
  return value.split(':').filter((part) => part !== '');
}
