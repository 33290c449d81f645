import { loadApiConfig } from '../../api/load.ts';
import { sameMime } from '../../../apps/lib/mime-alias.ts';
import { UsageError } from '../../errors.ts';
import { listFiles } from '../../pipeline/listing.ts';
import { lookup, type Lookup } from '../../pipeline/lookup.ts';
import { printable } from '../../pipeline/summary.ts';
import { parse, SETTING_OPTIONS, settingsFrom } from '../options.ts';

export const help = `Usage: broapt explain [--json] [--api-root DIR] PATH...

Shows, for each file, what broapt would do with it, without running anything:
the entry parsed from its name (fuid, protocol, pcap, MIME, extension), the MIME
its content says, the api.yml key that matches and why (exact name, first glob
in file order, or the example default), the runner, working directory,
environment and the commands that would run. Debug an api.yml with it.

Options:
  --json              one JSON object per file and line, with at least fuid,
                      protocol, pcap, mime, extension and app (the matched key)
  --api-root DIR      BROAPT_API_ROOT: folder holding api.yml [the shipped apps/]
  --timeout SEC       BROAPT_TIMEOUT: per-command timeout when api.yml sets none [300]
  --runner KIND       BROAPT_RUNNER: runner of apps whose api.yml sets none [host]

Exit status: 0, or 1 when a PATH was skipped (a link, FIFO or missing file),
2 for a usage or api.yml error.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('explain', args, {
    'api-root': SETTING_OPTIONS['api-root'],
    timeout: SETTING_OPTIONS.timeout,
    runner: SETTING_OPTIONS.runner,
    json: { type: 'boolean' },
    help: SETTING_OPTIONS.help,
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one PATH; run `broapt explain --help`.');
  const settings = settingsFrom(values);
  const config = await loadApiConfig(settings.apiRoot, { defaultTimeoutMs: settings.timeout * 1000 });
  const listing = await listFiles(positionals);
  for (const skipped of listing.skipped) process.stderr.write(`skipped ${printable(skipped.path)}: ${skipped.reason} (never followed or opened)\n`);
  for (const file of listing.files) {
    const found = await lookup(config, file, settings.runner);
    process.stdout.write(values.json ? `${JSON.stringify(toJson(found))}\n` : `${toText(found, config.file)}\n`);
  }
  return listing.skipped.length === 0 ? 0 : 1;
}

function toJson(found: Lookup) {
  const { entry, match } = found;
  return {
    path: entry.path,
    scheme: entry.scheme,
    fuid: entry.fuid,
    protocol: entry.protocol,
    pcap: entry.pcap,
    mime: entry.mime.name,
    extension: entry.extension,
    contentMime: found.contentMime,
    app: match.app.key,
    matchedBy: match.reason,
    runner: found.runner,
    workdir: match.workdir,
    remote: match.app.remote,
    shared: match.app.shared,
    timeoutMs: match.app.timeoutMs,
    logFolder: found.logFolder,
    environment: found.environment,
    commands: found.commands,
  };
}

function toText(found: Lookup, apiFile: string): string {
  const { entry, match } = found;
  const why = {
    exact: `its MIME equals the key`,
    glob: `first glob in file order that matches ${entry.mime.name}`,
    default: `no key matches ${entry.mime.name}, so the example default`,
  }[match.reason];
  const mimeNote =
    found.contentMime === entry.mime.name ? '(same as the name)' : sameMime(found.contentMime, entry.mime.name) ? '(the same type)' : `(the name says ${entry.mime.name})`;
  const list = (commands: string[]) => (commands.length === 0 ? '      (none)' : commands.map((c) => `      ${c}`).join('\n'));
  return [
    printable(entry.path),
    `  name       ${entry.scheme} scheme: fuid ${entry.fuid}, protocol ${entry.protocol ?? '-'}, pcap ${entry.pcap ?? '-'}, extension ${entry.extension ?? '-'}`,
    `  mime       ${entry.mime.name}; content says ${found.contentMime} ${mimeNote}`,
    `  app        ${match.app.key} (${apiFile}:${match.app.position.line}): ${why}`,
    `  runner     ${found.runner}${match.app.remote ? ' (remote: true — remote detection is not available yet; such files fail)' : ''}`,
    `  workdir    ${match.workdir}`,
    `  timeout    ${match.app.timeoutMs / 1000} s per command; install key "${match.app.shared}"`,
    `  env        ${Object.entries(found.environment).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`,
    `  install\n${list(found.commands.install)}`,
    `  scripts\n${list(found.commands.scripts)}`,
    `  report\n${list([found.commands.report])}`,
  ].join('\n');
}
