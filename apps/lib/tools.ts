import { execFile } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an external tool without a shell (file names never reach one), `input`
 * on its stdin; a missing tool is code null with the reason in stderr.
 */
export function tool(command: string, args: string[], options: { timeoutMs?: number; input?: Buffer } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr: code === null && error ? `${stderr}${error.message}` : stderr });
    });
    // A tool that stops reading early (it has seen enough) must not fail the write.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
  });
}

/** A colon-separated path list from the environment, or the default; `off` turns the part off. */
export function pathList(value: string | undefined, fallback: string[]): string[] {
  if (value === undefined || value.trim() === '') return fallback;
  if (value.trim() === 'off') return [];
  return value.split(':').filter((part) => part !== '');
}
