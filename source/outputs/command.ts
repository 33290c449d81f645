import { spawn } from 'node:child_process';
import { ruleNames, publicAlert, type Alert } from './alert.ts';
import type { Output } from './lane.ts';
import { OUTPUT_SECRETS } from './settings.ts';

/** Output kept from a reaction command for the log line of its failure. */
const KEPT_OUTPUT = 4096;

/** The alert as BROAPT_ALERT_* variables: a command reads them as data, they are never part of its text. */
function alertVariables(alert: Alert): Record<string, string> {
  const values: Record<string, string | number | null | undefined> = {
    BROAPT_ALERT_ID: alert.id,
    BROAPT_ALERT_FUID: alert.fuid,
    BROAPT_ALERT_SHA256: alert.sha256,
    BROAPT_ALERT_MD5: alert.md5,
    BROAPT_ALERT_SHA1: alert.sha1,
    BROAPT_ALERT_PATH: alert.path,
    BROAPT_ALERT_MIME: alert.mime,
    BROAPT_ALERT_VERDICT: alert.verdict,
    BROAPT_ALERT_SCORE: alert.score,
    BROAPT_ALERT_RULES: ruleNames(alert).join(','),
    BROAPT_ALERT_PROTOCOL: alert.protocol,
    BROAPT_ALERT_PCAP: alert.pcap,
    BROAPT_ALERT_UID: alert.uid ?? alert.conn_uids?.[0],
    BROAPT_ALERT_ORIG_H: alert['id.orig_h'],
    BROAPT_ALERT_RESP_H: alert['id.resp_h'],
    BROAPT_ALERT_SENDER: alert.sender,
    BROAPT_ALERT_HOST: alert.host,
    BROAPT_ALERT_URI: alert.uri,
    BROAPT_ALERT_MAILFROM: alert.mailfrom,
    BROAPT_ALERT_RCPTTO: alert.rcptto?.join(','),
  };
  // A NUL cannot be in a variable; hostile names could hold one.
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v).replaceAll('\0', '')]));
}

/** Configuration and keys of the other outputs are not the command's business. */
function commandEnvironment(alert: Alert): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [...OUTPUT_SECRETS, 'BROAPT_DAEMON_TOKEN', 'BROAPT_ALERT_COMMAND']) delete env[name];
  return { ...env, ...alertVariables(alert) };
}

/** Runs the command once; resolves when it exits 0, rejects on another status, a signal or the timeout. */
function runOnce(command: string, alert: Alert, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // The text is the operator's own; the alert reaches it only through stdin and the environment.
    const child = spawn('/bin/sh', ['-c', command], { env: commandEnvironment(alert), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (chunk: Buffer) => {
      if (output.length < KEPT_OUTPUT) output += chunk.toString('utf8', 0, KEPT_OUTPUT - output.length);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let killedBy: string | undefined;
    const kill = (why: string) => {
      killedBy ??= why;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${timeoutMs / 1000} s`), timeoutMs);
    const onAbort = () => kill('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdin.on('error', () => {});
    child.stdin.end(`${JSON.stringify(publicAlert(alert))}\n`);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (code === 0 && killedBy === undefined) resolve();
      else reject(new Error(`BROAPT_ALERT_COMMAND ${killedBy ?? (exitSignal ? `was killed by ${exitSignal}` : `exited with ${code}`)}${output.trim() ? `: ${output.trim().slice(-500)}` : ''}`));
    });
  });
}

/** BROAPT_ALERT_COMMAND: run by /bin/sh once per alert, the alert as JSON on stdin and as BROAPT_ALERT_* variables. */
export function commandOutput(command: string, timeoutMs: number): Output {
  return {
    name: 'command',
    batch: 1,
    deliver: (items, signal) => runOnce(command, items[0] as Alert, timeoutMs, signal),
  };
}
