import fs from 'node:fs';
import { normalizeReport, type AppReport } from './report.ts';
import { openNoFollow } from './open.ts';

/** The `$BROAPT_REPORT` path of a command: next to its API log, so both are found together. */
export function reportPathOf(logFile: string): string {
  return `${logFile}.json`;
}

/** How much of a log's end is searched for a last JSON line; a report larger than this must go to $BROAPT_REPORT. */
const TAIL_BYTES = 1 << 20;
/** A report file larger than this is cut (and then fails to parse, which is reported): apps are third-party code. */
const REPORT_BYTES = 16 << 20;

/**
 * A finished command's report: the `$BROAPT_REPORT` file if the command wrote
 * one, else its last line of output if that is a JSON object, else undefined.
 * The output is read from the API log, where the runner put it; the `#` lines
 * there are broapt's own, so a command that printed nothing has no last line.
 */
export function collectReport(reportFile: string, logFile: string): AppReport | undefined {
  // Most commands write no report file: asking first spares the exception a failed open costs.
  const written = fs.existsSync(reportFile) ? readText(reportFile, REPORT_BYTES) : undefined;
  if (written !== undefined) return normalizeReport(parseJson(written)) ?? { verdict: 'unknown', score: 0, findings: [{ rule: 'broapt.bad-report', description: `${reportFile} holds no JSON object`, severity: 'low' }], details: {} };
  const log = readText(logFile, TAIL_BYTES);
  if (log === undefined) return undefined;
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('# exit: ') || line.startsWith('# close: ')) continue;
    return line.startsWith('{') ? normalizeReport(parseJson(line)) : undefined;
  }
  return undefined;
}

/** Before a command runs: a report (and unpacked children) left by an earlier run or attempt must not be taken for its own. */
export function clearReport(reportFile: string): void {
  removeIfThere(reportFile);
  if (reportFile.endsWith('.json')) removeIfThere(`${reportFile.slice(0, -'.json'.length)}.children`);
}

/** rmSync checks and removes in several calls; most commands leave nothing to remove, which one lstat (that sees links, not their targets) tells. */
function removeIfThere(file: string): void {
  if (fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined) fs.rmSync(file, { recursive: true, force: true });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The file's text, or its last `limit` bytes; undefined when it does not exist. */
function readText(file: string, limit: number): string | undefined {
  const fd = openNoFollow(file);
  if (fd === undefined) return undefined;
  try {
    const { size } = fs.fstatSync(fd);
    const length = Math.min(size, limit);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = fs.readSync(fd, buffer, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
