/**
 * VirusTotal v3 hash lookup, the reference's default app: looks the file's
 * sha256 up (GET /files/{sha256}), never uploads it. Without VT_API_KEY it
 * reports `unknown` and sends nothing.
 *   VT_API_KEY        the key (x-apikey)
 *   VT_URL            API base [https://www.virustotal.com/api/v3]
 *   VT_RETRY          attempts when the quota is exhausted (429) [3]
 *   VT_INTERVAL       seconds between them, unless the answer says [60]
 *   VT_MALICIOUS      engines that must say malicious for a malicious verdict [3]
 */
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { digestFile } from '../lib/bytes.ts';
import { makeReport, type Report } from '../lib/report.ts';
import { runApp } from '../lib/run-app.ts';

interface Stats {
  malicious?: number;
  suspicious?: number;
  undetected?: number;
  harmless?: number;
}

const unknown = (sha256: string, reason: string, severity: 'info' | 'low' = 'info'): Report => ({
  app: 'virustotal',
  verdict: 'unknown',
  score: 0,
  findings: severity === 'info' ? [] : [{ rule: 'vt.unavailable', description: reason, severity }],
  details: { sha256, reason },
});

export function createVt(env: NodeJS.ProcessEnv = process.env) {
  const key = env.VT_API_KEY ?? '';
  const base = (env.VT_URL || 'https://www.virustotal.com/api/v3').replace(/\/+$/, '');
  const attempts = Math.max(1, Number(env.VT_RETRY ?? 3) || 1);
  const interval = Number(env.VT_INTERVAL ?? 60);
  const threshold = Math.max(1, Number(env.VT_MALICIOUS ?? 3) || 3);

  async function lookup(sha256: string): Promise<Report> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${base}/files/${sha256}`, { headers: { 'x-apikey': key, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
      } catch (error) {
        return unknown(sha256, `VirusTotal not reachable: ${(error as Error).message}`, 'low');
      }
      if (response.status === 404) return unknown(sha256, 'not known to VirusTotal');
      if (response.status === 429 && attempt < attempts) {
        const after = Number(response.headers.get('retry-after'));
        await sleep(1000 * (Number.isFinite(after) && after > 0 ? after : interval));
        continue;
      }
      if (response.status === 429) return unknown(sha256, `VirusTotal quota exhausted after ${attempts} attempts`, 'low');
      if (!response.ok) return unknown(sha256, `VirusTotal answered ${response.status}`, 'low');
      const body = (await response.json()) as { data?: { attributes?: { last_analysis_stats?: Stats; last_analysis_results?: Record<string, { category?: string; result?: string | null }>; meaningful_name?: string } } };
      const attributes = body.data?.attributes ?? {};
      const stats = attributes.last_analysis_stats ?? {};
      const flagged = Object.entries(attributes.last_analysis_results ?? {}).filter(([, r]) => r.category === 'malicious' || r.category === 'suspicious');
      const names = flagged.slice(0, 5).map(([engine, r]) => `${engine}: ${r.result ?? r.category}`).join('; ');
      const malicious = stats.malicious ?? 0;
      const suspicious = stats.suspicious ?? 0;
      const findings =
        malicious + suspicious === 0
          ? []
          : [{ rule: 'vt.detections', description: `${malicious} engines say malicious, ${suspicious} suspicious${names ? ` (${names})` : ''}`, severity: malicious >= threshold ? ('high' as const) : ('medium' as const) }];
      return makeReport('virustotal', findings, { sha256, stats, name: attributes.meaningful_name ?? null, permalink: `https://www.virustotal.com/gui/file/${sha256}` });
    }
  }

  return {
    name: 'virustotal',
    async analyse(file: string): Promise<Report> {
      const { sha256 } = digestFile(file);
      return key === '' ? unknown(sha256, 'VT_API_KEY is not set: no lookup') : lookup(sha256);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(createVt());
