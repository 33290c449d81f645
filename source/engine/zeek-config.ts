import { boolean, number, pick } from '../settings.ts';

/** How broapt runs Zeek on one PCAP: its flags and the configuration script it writes beside the logs. */
export interface ZeekInvocation {
  /** Flags before `-r PCAP`. */
  flags: string[];
  /** broapt-config.zeek: redefs of the BroAPT options and Zeek's own, from the BROAPT_* switches. */
  script: string;
}

/** A Zeek string literal: everything outside plain printable ASCII escaped, so names from disk cannot end the literal. */
export function zeekString(text: string): string {
  const escaped = Array.from(Buffer.from(text, 'utf8'), (byte) =>
    byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`,
  ).join('');
  return `"${escaped}"`;
}

/** A comma-separated BROAPT_* list; empty items are dropped. */
function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

/**
 * BROAPT_LOAD_MIME's shell globs as one anchored Zeek pattern, with the
 * reference's fnmatch semantics: `*` matches any run of characters (a `/`
 * too), `?` one character, `[...]` and `[!...]` a class. Zeek's patterns are
 * flex's: no lazy quantifiers or non-capturing groups, `/` escaped.
 */
export function mimePattern(globs: string[]): string {
  if (globs.length === 0) return '/.*/';
  const translate = (glob: string) =>
    glob.toLowerCase().replace(/\[(!?)([^\]]*)\]|[*?]|[^A-Za-z0-9]/g, (token, negate?: string, members?: string) => {
      if (token === '*') return '.*';
      if (token === '?') return '.';
      if (members !== undefined) return `[${negate ? '^' : ''}${members.replace(/[\\\/\]"]/g, (c) => `\\${c}`)}]`;
      return `\\${token}`;
    });
  return `/^(${globs.map(translate).join('|')})$/`;
}

/**
 * The reference's switches (docs/engines.md) turned into Zeek flags and
 * redefs. Invalid values stop the run with the variable's name, before Zeek
 * is started on anything.
 */
export function zeekInvocation(env: NodeJS.ProcessEnv, where: { dumpPath: string; pcapName: string }): ZeekInvocation {
  const flag = (name: string, fallback: boolean) => boolean(pick(undefined, name, env, [name]), fallback);
  const count = (name: string) => {
    const source = pick(undefined, name, env, [name]);
    return source === undefined ? undefined : number(source, 0, { integer: true, min: 0 });
  };
  const bare = flag('BROAPT_BARE_MODE', false);
  const x509 = flag('BROAPT_X509_MODE', false);
  const lines = [
    '# Written by broapt run for this PCAP from the BROAPT_* switches; see docs/engines.md.',
    // Bare mode loads only what extraction needs, which makes Zeek start and run faster.
    ...(bare
      ? ['base/protocols/conn', 'base/protocols/http', 'base/protocols/smtp', 'base/protocols/ftp', 'base/protocols/irc', ...(x509 ? ['base/protocols/ssl', 'base/files/x509'] : [])].map(
          (script) => `@load ${script}`,
        )
      : []),
    ...(flag('BROAPT_ENTROPY_MODE', false) ? ['@load frameworks/files/entropy-test-all-files'] : []),
    `redef FileExtract::prefix = ${zeekString(where.dumpPath.endsWith('/') ? where.dumpPath : `${where.dumpPath}/`)};`,
    `redef BroAPT::pcap_name = ${zeekString(where.pcapName)};`,
    `redef BroAPT::load_mime = ${mimePattern(list(env, 'BROAPT_LOAD_MIME'))};`,
    `redef BroAPT::load_protocol = { ${list(env, 'BROAPT_LOAD_PROTOCOL').map((p) => zeekString(p.toUpperCase())).join(', ')} };`,
    `redef BroAPT::hash_md5 = ${flag('BROAPT_HASH_MD5', true) ? 'T' : 'F'};`,
    `redef BroAPT::hash_sha1 = ${flag('BROAPT_HASH_SHA1', true) ? 'T' : 'F'};`,
    `redef BroAPT::hash_sha256 = ${flag('BROAPT_HASH_SHA256', true) ? 'T' : 'F'};`,
    `redef BroAPT::x509 = ${x509 ? 'T' : 'F'};`,
    ...(flag('BROAPT_JSON_MODE', false) ? ['redef LogAscii::use_json = T;'] : []),
  ];
  const buffer = count('BROAPT_FILE_BUFFER');
  if (buffer !== undefined) lines.push(`redef Files::reassembly_buffer_size = ${buffer};`);
  const limit = count('BROAPT_SIZE_LIMIT');
  if (limit !== undefined) lines.push(`redef FileExtract::default_limit = ${limit};`);
  return {
    flags: [...(bare ? ['-b'] : []), ...(flag('BROAPT_NO_CHKSUM', true) ? ['-C'] : [])],
    script: `${lines.join('\n')}\n`,
  };
}
