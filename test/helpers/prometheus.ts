/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every line
 * must be a HELP, TYPE, comment, blank or sample line; samples must belong to
 * a family declared by TYPE before them; label values use only the format's
 * escapes; no series appears twice; histogram buckets are cumulative and end
 * in +Inf equal to _count. Throws on the first violation, naming the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const VALUE = String.raw`"(?:[^"\\\n]|\\[\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}=${VALUE})(?:,${LABEL}=${VALUE})*,?)?\\})? (\\S+)(?: (-?\\d+))?$`);
const PAIR = new RegExp(`(${LABEL})=(${VALUE})`, 'g');
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

function number(text: string, line: number): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: ${JSON.stringify(text)} is not a sample value`);
  return Number(text);
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const at = i + 1;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`line ${at}: bad metric name ${name}`);
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
      if (kind === 'TYPE') {
        if (!TYPES.includes(rest)) throw new Error(`line ${at}: unknown type ${rest}`);
        if (family.samples.length > 0) throw new Error(`line ${at}: TYPE after samples of ${name}`);
        family.type = rest;
      } else family.help = rest;
      return;
    }
    if (line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${at}: not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    for (const [, label, quoted] of (labelText ?? '').matchAll(PAIR)) {
      if (label! in labels) throw new Error(`line ${at}: label ${label} twice`);
      labels[label!] = JSON.parse(quoted!) as string;
    }
    const family = [...families.values()].find((f) => (SUFFIXES[f.type] ?? ['']).some((suffix) => `${f.name}${suffix}` === name));
    if (!family) throw new Error(`line ${at}: sample ${name} has no TYPE before it`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${at}: series ${key} twice`);
    seen.add(key);
    family.samples.push({ name, labels, value: number(valueText, at) });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples.filter((s) => s.name.endsWith('_bucket'))) {
    const { le, ...rest } = sample.labels;
    if (le === undefined) throw new Error(`${family.name}: bucket without le`);
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const [key, buckets] of groups) {
    let last = -Infinity;
    let lastCount = 0;
    for (const bucket of buckets) {
      const le = number(bucket.labels.le!, 0);
      if (le <= last) throw new Error(`${family.name}${key}: buckets out of order`);
      if (bucket.value < lastCount) throw new Error(`${family.name}${key}: buckets not cumulative`);
      last = le;
      lastCount = bucket.value;
    }
    if (last !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    const count = family.samples.find((s) => s.name === `${family.name}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key);
    if (count?.value !== lastCount) throw new Error(`${family.name}${key}: +Inf bucket ${lastCount} is not _count ${count?.value}`);
  }
}

/** The value of one series by its sample name and exact labels, 0 when absent (a counter not yet incremented has no series). */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const same = (s: Sample) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  for (const family of families.values()) {
    const sample = family.samples.find(same);
    if (sample) return sample.value;
  }
  return 0;
}
