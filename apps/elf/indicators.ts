/**
 * What an ELF's strings, symbols and layout say it does. Each indicator is a
 * technique with a weight; one alone is rarely proof (a debugger reads
 * /proc/PID/mem, a NAS tool pings 8.8.8.8), so the analyzer sums them into
 * one score (elf.ts).
 */
import { entropyOfBytes } from '../lib/bytes.ts';
import type { ElfInfo } from './parse.ts';

export interface Evidence {
  info: ElfInfo;
  bytes: Buffer;
  /** Printable strings, one per line. */
  text: string;
  hidden: Array<{ word: string; key: number }>;
}

export interface Indicator {
  id: string;
  weight: number;
  description: string;
  test(e: Evidence): boolean;
}

const distinct = (text: string, pattern: RegExp, cap = 64) => {
  const seen = new Set<string>();
  for (const m of text.matchAll(pattern)) {
    seen.add(m[0].toLowerCase());
    if (seen.size >= cap) break;
  }
  return seen.size;
};
const has = (e: Evidence, names: string[]) => names.some((n) => e.info.imports.includes(n));

/** Near-random bytes: what encryption or compression leaves; program data stays far below. */
const RANDOM_ENTROPY = 7.2;
const MIN_BLOB = 1024;
/** Writable data sections holding an encrypted blob (shc script wrappers, QSnatch droppers keep the real program there). */
const encryptedData = (e: Evidence) =>
  e.info.sectionExtents.some(
    (s) => /^\.data$|^\.data\.rel$/.test(s.name) && s.size >= MIN_BLOB && s.offset + s.size <= e.bytes.length && entropyOfBytes(e.bytes.subarray(s.offset, s.offset + s.size)) >= RANDOM_ENTROPY,
  );
/** A small static program: no interpreter, no imports, little code of its own. */
const SMALL_CODE = 64 << 10;
const smallStatic = (e: Evidence) => e.info.interpreter === null && e.info.imports.length === 0 && e.info.sectionExtents.some((s) => s.name === '.text' && s.size < SMALL_CODE);

/** Default passwords IoT bots try over telnet; a list of several is a brute-forcer's dictionary. */
const DEFAULT_PASSWORDS = /^(xc3511|vizxv|888888|xmhdipc|default|juantech|123456|54321|support|admin1234|smcadmin|klv123|klv1234|Zte521|hi3518|jvbzd|anko|zlxx\.|7ujMko0vizxv|7ujMko0admin|system|ikwb|dreambox|realtek|00000000|1111111|1234|12345|pass|meinsm|tech|fucker|root123|Root123|Root@123|root@123|admin123|1qaz2wsx|P@ssw0rd|password)$/gm;
const ATTACK_NAMES = /\b(udp|syn|ack|tcp|http|std|vse|gre|dns|icmp|xmas|rst|fin|psh|nsack|nssyn|junk|hold|stomp)[ _-]?flood(er|ing)?\b|\bflooder\b|\bfloods?\b.{0,40}\b(target|port|secs)\b/gi;
const LIBC_LISTING = ['readdir', 'readdir64', 'opendir', 'fopen', 'fopen64', 'open', 'open64', 'stat', 'lstat', 'lstat64', '__lxstat', '__lxstat64', '__xstat', '__xstat64', 'access', 'unlink', 'unlinkat', 'kill', 'accept', 'getdents', 'getdents64', 'pam_authenticate', 'write', 'read'];

export const INDICATORS: Indicator[] = [
  // Droppers and bots carry the shell line that fetches and starts the next stage.
  { id: 'base64-to-shell', weight: 8, description: 'decodes base64 straight into a shell', test: (e) => /base64\s+(-d|--decode)\b[^\n]{0,20}\|\s*(ba|da|z)?sh\b/.test(e.text) },
  {
    id: 'download-and-run',
    weight: 8,
    description: 'shell line that downloads a file, makes it executable and runs it',
    test: (e) => /(wget|curl|tftp|ftpget)\b[^\n]{0,300}chmod\s+(\+x|[0-7]?7[57][57])[^\n]{0,200}(\.\/|\/tmp\/|\/var\/|\$)/.test(e.text) || /(curl|wget)\s[^\n|]{0,200}\|\s*(ba)?sh\b/.test(e.text),
  },
  { id: 'busybox', weight: 3, description: 'drives /bin/busybox applets (IoT infection)', test: (e) => /\/bin\/busybox\s+\w/.test(e.text) },
  { id: 'busybox-dropper', weight: 4, description: 'busybox fetch (wget/tftp) and chmod 777 commands: loads the bot onto a device it broke into', test: (e) => /\/bin\/busybox\s+(wget|tftp)\b/.test(e.text) && /chmod\s+777/.test(e.text) },
  { id: 'password-list', weight: 4, description: 'a list of default device passwords (telnet/SSH brute force)', test: (e) => distinct(e.text, DEFAULT_PASSWORDS) >= 5 },
  { id: 'attack-methods', weight: 5, description: 'names DDoS attack methods (UDP/SYN/ACK/HTTP flood)', test: (e) => distinct(e.text, ATTACK_NAMES) >= 2 },
  { id: 'irc-bot', weight: 3, description: 'speaks IRC commands (bot control channel)', test: (e) => distinct(e.text, /\b(PRIVMSG|NOTICE %s|JOIN %s|NICK %s|PING :|PONG :?%s|USER %s)/g) >= 3 },
  { id: 'watchdog', weight: 2, description: 'opens the hardware watchdog (keeps an infected device from rebooting)', test: (e) => /\/dev\/(misc\/)?watchdog|\/sbin\/watchdog/.test(e.text) },
  { id: 'process-killer', weight: 2, description: 'walks /proc to find and kill other processes (rival malware)', test: (e) => /\/proc\/(%d|%s)\/(exe|cmdline|maps|fd)/.test(e.text) && (/\/proc\/net\/tcp/.test(e.text) || /\b(pkill|killall)\s+-9|kill -9/.test(e.text)) },
  { id: 'user-agent-list', weight: 2, description: 'several browser User-Agent strings in a program that is no browser (HTTP flood)', test: (e) => distinct(e.text, /Mozilla\/[45]\.0 \([^\n)]{8,}\)/g) >= 4 },
  { id: 'public-resolver', weight: 1, description: 'hard-coded public DNS resolver', test: (e) => /\b(8\.8\.8\.8|8\.8\.4\.4|1\.1\.1\.1|208\.67\.222\.222|9\.9\.9\.9)\b/.test(e.text) },
  { id: 'ip-scanner', weight: 2, description: 'builds dotted-quad addresses from numbers and connects to them (network scanner)', test: (e) => /%d\.%d\.%d\.%d|%u\.%u\.%u\.%u/.test(e.text) && (has(e, ['connect']) || e.info.imports.length === 0) && /\b(scan|range|block|port)/i.test(e.text) },
  { id: 'flood-payloads', weight: 3, description: 'carries flood payloads: the Valve "TSource Engine Query" or the anti-DDoS server names an HTTP flood checks for', test: (e) => /TSource Engine Query|server: dosarrest|server: cloudflare-nginx/.test(e.text) },
  { id: 'xor-hidden-strings', weight: 6, description: 'technique words (User-Agent, /proc/, busybox) hidden with a one-byte XOR key', test: (e) => e.hidden.length >= 2 },
  { id: 'xor-hidden-string', weight: 3, description: 'a technique word hidden with a one-byte XOR key', test: (e) => e.hidden.length === 1 },
  // Coin miners.
  { id: 'miner', weight: 5, description: 'cryptocurrency miner (stratum pool protocol, donate level, CryptoNight/RandomX)', test: (e) => distinct(e.text, /stratum\+(tcp|ssl|tls)|mining\.(subscribe|notify|submit|authorize)|donate-level|\bcryptonight\b|\brandomx\b|cn_slow_hash|stratum share|nicehash|\bxmrig\b/gi) >= 1 },
  // Rootkits.
  {
    id: 'kernel-rootkit',
    weight: 8,
    description: 'kernel module that hooks the system-call table or hides itself',
    test: (e) => (e.info.type === 'relocatable' || e.info.sections.includes('.modinfo')) && distinct(e.text, /sys_call_table|kallsyms_lookup_name|hacked_\w+|hook(ed)?_(getdents|kill|sys)\w*|module_hide|hide_module|list_del.{0,2}\n.*THIS_MODULE|commit_creds|give_root|is_invisible/g) >= 2,
  },
  {
    id: 'libc-interposer',
    weight: 6,
    description: 'shared object that replaces libc directory, file or process calls and looks the real ones up (LD_PRELOAD rootkit)',
    test: (e) => e.info.type === 'shared-object' && has(e, ['dlsym']) && e.info.exports.filter((n) => LIBC_LISTING.includes(n)).length >= 2,
  },
  { id: 'ld-preload', weight: 4, description: 'writes /etc/ld.so.preload (loads itself into every process)', test: (e) => /\/etc\/ld\.so\.preload/.test(e.text) },
  {
    id: 'symbol-wrapper',
    weight: 3,
    description: 'shared object that exports a function and resolves the real one by name (hooks a library call)',
    test: (e) => e.info.type === 'shared-object' && has(e, ['dlsym']) && e.info.exports.some((n) => n.length > 3 && !n.startsWith('_') && new RegExp(`symbol ${n.replace(/\W/g, '')}\\b`).test(e.text)),
  },
  { id: 'credential-hashes', weight: 2, description: 'handles NTLM/LM password hashes', test: (e) => /\b(NTLM|LM)[ _]HASH\b|E_md4hash|pass[ -]the[ -]hash/i.test(e.text) },
  // Privilege escalation.
  { id: 'proc-mem-write', weight: 4, description: 'opens a process\'s memory through /proc/PID/mem (DirtyCow, Mempodipper)', test: (e) => /\/proc\/(self|%d|%u)\/mem\b/.test(e.text) },
  { id: 'madvise-race', weight: 3, description: 'races madvise(MADV_DONTNEED) against writes (DirtyCow)', test: (e) => has(e, ['madvise']) && /\/proc\/self\/mem|ptrace/.test(e.text) },
  { id: 'root-exploit-talk', weight: 3, description: 'talks about getting root or running shellcode', test: (e) => /\bshellcode\b|try to root|got root|\broot shell\b|rootshell|\[\+\][^\n]{0,60}\b(root|su|exploit)/i.test(e.text) },
  { id: 'passwd-tamper', weight: 2, description: 'rewrites /etc/passwd or backs it up to /tmp', test: (e) => /\/etc\/passwd/.test(e.text) && /\/tmp\/passwd|\/etc\/shadow|crypt\b/.test(e.text) && has(e, ['crypt', 'fopen', 'open']) },
  // Backdoors.
  { id: 'history-off', weight: 3, description: 'turns shell history off (HISTFILE)', test: (e) => /HISTFILE=\/dev\/null|unset HISTFILE|HISTSIZE=0/.test(e.text) },
  { id: 'hide-tracks', weight: 2, description: 'wipes logs or history', test: (e) => /rm -rf \/var\/log|history -c|> ?\/var\/log\/(wtmp|lastlog|secure)/.test(e.text) },
  { id: 'compile-and-run', weight: 3, description: 'compiles a source file dropped in /tmp and runs it', test: (e) => /gcc\s+-o\s+\S+\s+\/tmp\//.test(e.text) },
  { id: 'kernel-thread-name', weight: 2, description: 'names itself like a kernel thread to hide in ps', test: (e) => /\[(kworker\/|ksoftirqd|kthreadd|watchdog\/|migration\/)/.test(e.text) },
  { id: 'persistence', weight: 1, description: 'writes a boot or cron entry', test: (e) => /\/etc\/rc\.local|\/etc\/init\.d\/\w|\/etc\/cron|crontab -|systemctl enable/.test(e.text) },
  // Layout.
  { id: 'encrypted-data-wrapper', weight: 4, description: 'small static program whose writable data is an encrypted blob (decrypts and runs a hidden script or program)', test: (e) => smallStatic(e) && encryptedData(e) },
  { id: 'encrypted-data', weight: 2, description: 'writable data section of near-random bytes (an encrypted payload)', test: (e) => !smallStatic(e) && encryptedData(e) },
  { id: 'libc-free-program', weight: 2, description: 'dynamic program that takes nothing from libc but its start (runs raw code)', test: (e) => e.info.interpreter !== null && e.info.imports.filter((n) => !/^(__libc_start_main|__cxa_finalize|__gmon_start__|_ITM_\w+|_Jv_RegisterClasses)$/.test(n)).length === 0 },
  { id: 'writable-code', weight: 2, description: 'a loadable segment both writable and executable', test: (e) => e.info.segments.some((s) => s.type === 1 && (s.flags & 3) === 3) },
];

export function matchedIndicators(e: Evidence): Indicator[] {
  return INDICATORS.filter((indicator) => indicator.test(e));
}
