import { startCli, waitFor, type CliResult, type Workspace } from './workspace.ts';

export const TOKEN = 'test-token-0123456789abcdef';

export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** The daemon's own apps: text/plain reports EICAR as malicious; application/x-slow takes a second; x-broken fails; x-env reports whether it sees the token or its file. */
export const DAEMON_API = `example:
  report: echo '{"verdict":"clean"}'
text:
  plain:
    report: >-
      if grep -q EICAR-STANDARD-ANTIVIRUS "$BROAPT_PATH";
      then echo '{"verdict":"malicious","score":100,"findings":[{"rule":"eicar","description":"EICAR test string","severity":"high"}]}';
      else echo '{"verdict":"clean"}'; fi
application:
  x-slow:
    report: sleep 1; echo '{"verdict":"suspicious","score":40}'
  x-broken:
    report: exit 3
  x-env:
    report: printf '{"verdict":"clean","details":{"token":"%s","file":"%s"}}\\n' "\${BROAPT_DAEMON_TOKEN:-unset}" "\${BROAPT_DAEMON_TOKEN_FILE:-unset}"
`;

export interface RunningDaemon {
  url: string;
  /** The daemon's process id (the CLI's own, a wrapper having exec'd it). */
  pid: number;
  stderr: () => string;
  /** The exit, when the daemon ends by itself. */
  done: Promise<CliResult>;
  /** SIGTERM, then the exit. */
  stop(): Promise<CliResult>;
  /** An authorised request (unless told otherwise) to a path of the daemon. */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

/** `broapt daemon` on a free port of 127.0.0.1 over the workspace, with TOKEN unless `env` says otherwise. */
export async function startDaemonCli(ws: Workspace, args: string[] = [], env: Record<string, string> = {}, wrapper: string[] = []): Promise<RunningDaemon> {
  const cli = startCli(['daemon', '--port', '0', '--jobs', '1', ...args], { ...ws.env, BROAPT_DAEMON_TOKEN: TOKEN, ...env }, undefined, wrapper);
  let exited = false;
  void cli.done.then(() => (exited = true));
  await waitFor(() => exited || cli.stdout().includes('listening on '), 20_000, 'the daemon to listen');
  if (exited) throw new Error(`the daemon exited: ${cli.stderr()}`);
  const url = /listening on (\S+)/.exec(cli.stdout())![1]!;
  return {
    url,
    pid: cli.child.pid!,
    stderr: cli.stderr,
    done: cli.done,
    async stop() {
      if (!exited) cli.child.kill('SIGTERM');
      return cli.done;
    },
    request(path, init = {}) {
      const { token = TOKEN, headers, ...rest } = init;
      return fetch(`${url}${path}`, { ...rest, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(headers as Record<string, string> | undefined) } });
    },
  };
}

/** POST a scan request body (a value, sent as JSON). */
export function scan(daemon: RunningDaemon, body: unknown, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  return daemon.request('/api/v1.0/scan', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });
}
