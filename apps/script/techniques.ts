/**
 * From indicators to findings. A technique is a combination (download and
 * run, persist and copy itself, request input and exec); single indicators
 * are weak and only add to the combined score, because admin scripts
 * download JSON, write registry keys and start programs every day.
 */
import type { Finding, Severity } from '../lib/report.ts';
import type { Hit, Tag } from './indicators.ts';
import type { Measure } from './obfuscation.ts';

export interface Evidence {
  hits: Hit[];
  measures: Measure[];
  embeddedPe: string[];
  /** The script and what deobfuscation recovered from it, together. */
  all: string;
}

const REVERSE_SHELLS: Array<[RegExp, string]> = [
  [/\/dev\/(?:tcp|udp)\/[\w.$-]+\/[\w$]+/, 'redirects a shell through /dev/tcp'],
  [/\b(?:nc|ncat|netcat)\b[^\n|;]{0,80}\s-[ec]\s*["']?\/bin\/(?:ba|z)?sh|mkfifo\b[^\n]{0,120}\|\s*(?:nc|ncat|netcat)\b/, 'binds a shell to netcat'],
  [/\bsocket\s*\([\s\S]{0,400}(?:dup2\s*\(|open\s*\(\s*STD(?:IN|OUT|ERR)\s*,\s*["']>&|pty\.spawn\s*\(|exec\s*\(\s*["']\/bin\/(?:ba|z)?sh|subprocess\.\w+\s*\(\s*\[\s*["']\/bin\/(?:ba|z)?sh)/, 'connects a socket to a shell'],
  [/Net\.Sockets\.TCPClient[\s\S]{0,600}GetStream\s*\([\s\S]{0,800}(?:iex|Invoke-Expression|Out-String)/i, 'runs commands read from a TCP connection'],
];

interface Rule {
  rule: string;
  severity: Severity;
  description: string;
}

export function techniqueFindings(evidence: Evidence): Finding[] {
  const { hits, measures, embeddedPe, all } = evidence;
  const has = (id: string) => hits.some((hit) => hit.indicator.id === id);
  const tagged = (tag: Tag) => hits.filter((hit) => hit.indicator.tag === tag);
  const any = (...tags: Tag[]) => tags.some((tag) => tagged(tag).length > 0);
  const describe = (tag: Tag) =>
    tagged(tag)
      .map((hit) => `${hit.indicator.description}${hit.decodedOnly ? ' (after deobfuscation)' : ''}`)
      .join('; ');
  const rules: Rule[] = [];
  const add = (rule: string, severity: Severity, description: string) => rules.push({ rule, severity, description });

  const reverse = REVERSE_SHELLS.find(([pattern]) => pattern.test(all));
  if (reverse) add('script.reverse-shell', 'high', `reverse shell: ${reverse[1]}`);

  if (any('worm')) add('script.worm', has('worm.mass-mail') || has('worm.irc-p2p') || any('persist') ? 'high' : 'medium', `spreads itself: ${describe('worm')}`);

  if (embeddedPe.length > 0) {
    const loads = any('drop', 'inject', 'execute', 'launch');
    add('script.embedded-pe', loads ? 'high' : 'medium', `carries a Windows executable encoded as ${[...new Set(embeddedPe)].join(', ')}${loads ? ' and writes or loads it' : ''}`);
  }

  const strongDownload = has('download.webclient') || has('download.xmlhttp');
  const cradle = any('download') && has('execute.iex');
  const dropAndRun = (strongDownload || has('execute.chmod-run') || has('lolbin.abuse')) && (has('execute.shell') || has('execute.chmod-run') || has('drop.binary-write') || has('drop.runnable') || any('launch'));
  if (cradle || dropAndRun || (has('download.cli') && has('decode.crypto-payload') && has('execute.chmod-run'))) {
    add('script.download-execute', 'high', `downloads and runs code: ${describe('download')}; ${[...tagged('execute'), ...tagged('drop'), ...tagged('launch')].map((hit) => hit.indicator.description).join('; ')}`);
  } else if (any('download') && has('execute.shell')) {
    add('script.download-execute', 'medium', `downloads and starts programs: ${describe('download')}`);
  }

  if (any('persist')) {
    const backed = any('self', 'launch', 'download', 'evade', 'worm', 'drop', 'destroy');
    add('script.persistence', backed ? 'high' : 'medium', `${describe('persist')}${backed ? ', together with self-copying, hidden launching, downloading or tampering' : ''}`);
  }

  if (has('evade.recovery-off') || has('evade.amsi')) add('script.defense-evasion', 'high', describe('evade'));
  else if (has('evade.security-off')) add('script.defense-evasion', any('destroy', 'persist', 'drop') ? 'high' : 'medium', describe('evade'));

  if (has('destroy.system')) add('script.destructive', 'high', describe('destroy'));
  else if (tagged('destroy').length >= 2) add('script.destructive', 'medium', describe('destroy'));

  if (has('lolbin.abuse')) add('script.lolbin', any('download', 'persist', 'drop', 'launch') || has('execute.shell') ? 'high' : 'medium', describe('lolbin'));

  if (any('inject')) {
    const payload = embeddedPe.length > 0 || tagged('inject').length >= 2 || measures.some((m) => m.id === 'encoded-blob');
    add('script.in-memory-loader', payload ? 'high' : 'medium', describe('inject'));
  }

  if (has('activex.scriptlet-typelib')) add('script.activex-dropper', 'high', 'a web page writes files through the Scriptlet.TypeLib ActiveX control');

  if (has('credential.theft')) add('script.credential-theft', 'high', describe('credential'));

  if (has('miner')) add('script.miner', any('persist', 'evade', 'download') ? 'high' : 'medium', describe('miner'));

  if (has('launch.encoded-powershell')) add('script.encoded-powershell', 'medium', 'starts PowerShell with an encoded command, hiding what it runs');

  // Installers pipe a vendor's script into sh from a domain; a bare IP address in that pipe is a bot's loader.
  if (!rules.some((r) => r.rule === 'script.download-execute' && r.severity === 'high') && has('execute.pipe-to-shell') && has('network.raw-ip') && /\b(?:curl|wget)\b[^\n|]{0,200}\d{1,3}(?:\.\d{1,3}){3}[^\n|]{0,100}\|\s*(?:sudo\s+)?(?:ba|da|z)?sh\b/i.test(all)) {
    add('script.download-execute', 'high', 'pipes a script fetched from a bare IP address into a shell');
  }

  if (has('recon.identity-beacon')) add('script.recon-beacon', 'medium', describe('recon'));

  if ((has('launch.hidden') && (has('evade.exec-policy') || has('launch.user-writable'))) || (has('launch.user-writable') && has('execute.shell'))) {
    add('script.hidden-launch', 'medium', `${describe('launch')}${has('evade.exec-policy') ? '; PowerShell execution policy bypassed' : ''}`);
  }

  if (has('network.c2-check') && has('network.raw-ip') && (any('launch') || has('execute.shell'))) {
    add('script.gated-launch', 'medium', 'checks for a connection to a hard-coded address, then launches a program');
  }

  if (has('self.copy')) add('script.self-copy', 'medium', describe('self'));
  else if (has('self.delete')) add('script.self-delete', 'low', describe('self'));

  return rules.map(({ rule, severity, description }) => ({ rule, severity, description }));
}

/** Obfuscation, and many weak indicators together, as one finding each. */
export function scoreFindings(evidence: Evidence, findings: Finding[]): Finding[] {
  const out: Finding[] = [];
  const obfuscation = evidence.measures.reduce((sum, m) => sum + m.weight, 0);
  const decodeAndRun = evidence.hits.some((hit) => hit.indicator.id === 'execute.decoded');
  const dynamic = evidence.hits.some((hit) => hit.indicator.id === 'execute.eval' || hit.indicator.id === 'execute.iex') || evidence.measures.some((m) => m.id === 'packer' || m.id === 'execute-literal');
  const measures = evidence.measures.map((m) => m.detail).join(', ');
  if ((obfuscation >= 5 && dynamic) || decodeAndRun) out.push({ rule: 'script.obfuscated-exec', description: `runs code it decodes at run time${measures ? `: ${measures}` : ''}`, severity: 'medium' });
  else if (obfuscation >= 3) out.push({ rule: 'script.obfuscation', description: measures, severity: 'low' });

  const weighted = evidence.hits.reduce((sum, hit) => sum + hit.indicator.weight, 0) + Math.min(obfuscation, 6);
  const flagged = [...findings, ...out].some((f) => f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical');
  const names = evidence.hits.map((hit) => hit.indicator.id).join(', ');
  if (!flagged && weighted >= 10) out.push({ rule: 'script.score.suspicious', description: `many weak indicators (score ${weighted}): ${names}`, severity: 'medium' });
  else if (weighted >= 4) out.push({ rule: 'script.score', description: `weak indicators (score ${weighted}): ${names}`, severity: 'low' });
  return out;
}
