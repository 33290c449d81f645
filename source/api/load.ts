import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import { MEDIA_TYPES } from '../entry/entry.ts';
import { ConfigError, type SourcePosition } from '../errors.ts';
import { RUNNER_KINDS, type Limits, type Mount, type RunnerKind } from '../runner/plan.ts';
import type { ApiConfig, App, ContainerOptions } from './app.ts';
import { expandVars } from './expand.ts';
import { globRegExp, isGlobPattern } from './match.ts';

export interface LoadOptions {
  /** Per-command timeout of apps whose api.yml entry sets none. */
  defaultTimeoutMs: number;
  /** Variables `$VAR` expands from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** IANA top-level media types; `x-…` names are accepted besides. */
const TOP_KEYS = ['environment', 'example', ...MEDIA_TYPES];
const APP_KEYS = ['workdir', 'environ', 'install', 'scripts', 'scanner', 'report', 'remote', 'shared', 'timeout', 'runner', 'image', 'build', 'container', 'mounts', 'warm', 'limits', 'check'];
const CONTAINER_KEYS = ['network', 'memory', 'cpus', 'pids', 'user', 'read_only', 'mounts', 'args'];
const LIMIT_KEYS = ['memory', 'cpu', 'processes', 'file_size', 'disk'];
const SIZE = /^(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)i?b?$/i;
const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
/** `SOURCE[:TARGET][:ro|rw]`. */
const MOUNT = /^([^:]+)(?::(\/[^:]*))?(?::(ro|rw))?$/;
/** RFC 2045 token characters, plus the glob syntax `?`, `[`, `]` and `\`. */
const SUBTYPE = /^[A-Za-z0-9!#$%&'*+.^_`{|}~?[\]\\-]+$/;
const EXTENSION_MEDIA = /^x-[a-z0-9!#$&^_.+-]+$/;
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?$/i;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
// setTimeout fires at once for delays beyond a signed 32-bit count of milliseconds.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Read `<apiRoot>/api.yml`, or `apiRoot` itself when it names a .yml/.yaml file. */
export async function loadApiConfig(apiRoot: string, options: LoadOptions): Promise<ApiConfig> {
  const file = /\.ya?ml$/i.test(apiRoot) ? path.resolve(apiRoot) : path.resolve(apiRoot, 'api.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const start = { file, line: 1, column: 1 };
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError(
        'E_API_MISSING_FILE',
        'no such file: create api.yml (it needs at least an `example` app), or point --api-root / BROAPT_API_ROOT at the folder that holds it',
        '',
        start,
      );
    }
    throw new ConfigError('E_API_UNREADABLE', `cannot read the file (${code ?? String(error)}): check that it is a readable file`, '', start);
  }
  return parseApiConfig(text, file, options);
}

/** Parse and validate api.yml text; every problem is a ConfigError pointing at its line and key. */
export function parseApiConfig(text: string, file: string, options: LoadOptions): ApiConfig {
  const absolute = path.resolve(file);
  const root = path.dirname(absolute);
  const lines = new LineCounter();
  // YAML 1.1 with merge keys and duplicate keys allowed: what the reference's PyYAML read.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true, version: '1.1' });
  const raw = new Reader(doc, lines, absolute, options.defaultTimeoutMs).read();

  // Null prototypes: a variable named `__proto__` must be stored, not set the prototype.
  const base: Record<string, string | undefined> = Object.assign(Object.create(null), options.env ?? process.env, {
    // The folder actually loaded, even when --api-root overrode the variable.
    BROAPT_API_ROOT: root,
    // The Node running broapt (24, with type stripping): the shipped TypeScript apps run on it.
    BROAPT_NODE: process.execPath,
  });
  const environment = raw.environment.map(([name, value]): [string, string] => [name, expandVars(value, base)]);
  const withEnvironment: Record<string, string | undefined> = Object.assign(Object.create(null), base, Object.fromEntries(environment));
  const finish = (app: App): App => {
    const scope: Record<string, string | undefined> = Object.assign(Object.create(null), withEnvironment);
    const environ = [...environment];
    for (const [name, value] of Object.entries(app.environ)) {
      const expanded = expandVars(value, scope);
      scope[name] = expanded;
      environ.push([name, expanded]);
    }
    // Mount sources and the build folder are paths like workdir, but relative ones resolve against API_ROOT: they are not per-app folders.
    const mount = (m: Mount): Mount => {
      const source = path.resolve(root, expandVars(m.source, scope));
      return { ...m, source, target: m.target === '' ? source : m.target };
    };
    return {
      ...app,
      environ: Object.fromEntries(environ),
      workdir: expandVars(app.workdir, scope),
      ...(app.build === undefined ? {} : { build: path.resolve(root, expandVars(app.build, scope)) }),
      mounts: app.mounts.map(mount),
      container: { ...app.container, mounts: app.container.mounts.map(mount) },
    };
  };
  return {
    file: absolute,
    root,
    environment: Object.fromEntries(environment),
    example: finish(raw.example),
    apps: raw.apps.map(finish),
  };
}

interface Entry {
  /** The key as written. */
  name: string;
  key: Node;
  /** Null for an explicit key without value (`? key`). */
  value: Node | null;
}

/** Which of two entries with one (folded) name to keep; may throw instead. */
type OnDuplicate = (first: Entry, second: Entry, keyPath: string) => Entry;

const asWritten = (name: string) => name;
const lowerCase = (name: string) => name.toLowerCase();
const scriptsAlias = (name: string) => (name === 'scanner' ? 'scripts' : name);
const lastWins: OnDuplicate = (_first, second) => second;

/** Apps and raw (unexpanded) variables, validated in file order. */
class Reader {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  readonly file: string;
  readonly defaultTimeoutMs: number;
  /** Maps whose merge keys are being expanded: one reached again merges itself. */
  readonly merging = new Set<YAMLMap>();

  constructor(doc: Document.Parsed, lines: LineCounter, file: string, defaultTimeoutMs: number) {
    this.doc = doc;
    this.lines = lines;
    this.file = file;
    this.defaultTimeoutMs = defaultTimeoutMs;
  }

  read(): { environment: [string, string][]; example: App; apps: App[] } {
    const [syntax] = this.doc.errors;
    if (syntax) this.failAt('E_API_YAML_SYNTAX', `YAML syntax error: ${syntax.message}`, this.pathAt(syntax.pos[0]), syntax.pos[0]);
    const root = this.doc.contents;
    if (!isMap(root)) {
      const got = root === null ? 'an empty file' : kind(root);
      this.fail('E_API_NOT_A_MAP', `expected a map with an \`example\` app and media-type sections, got ${got}`, '', root);
    }
    let environment: [string, string][] = [];
    let example: App | undefined;
    let exampleKey: Node = root;
    const apps: App[] = [];
    const strict: OnDuplicate = (first, second, keyPath) => this.duplicate(first, second, keyPath);
    for (const entry of this.entries(root, '', lowerCase, strict)) {
      const media = entry.name.toLowerCase();
      if (entry.name === 'environment') environment = this.variables(entry.value, entry.name);
      else if (entry.name === 'example') {
        exampleKey = entry.key;
        if (!isNull(this.deref(entry.value, 'example'))) {
          example = this.app(entry.value, entry.key, 'example', { key: 'example', mediaType: 'example', pattern: '', isGlob: false });
        }
      } else if ((MEDIA_TYPES as readonly string[]).includes(media) || EXTENSION_MEDIA.test(media)) this.section(media, entry, apps);
      else {
        const hint = APP_KEYS.includes(entry.name) ? ' App keys go under `example` or a subtype, e.g. `application.pdf.report`.' : suggest(entry.name, TOP_KEYS);
        this.fail('E_API_UNKNOWN_MEDIA', `\`${entry.name}\` is not a top-level key: expected ${TOP_KEYS.join(', ')} or an x-… media type.${hint}`, entry.name, entry.key);
      }
    }
    if (!example) {
      this.fail('E_API_NO_EXAMPLE', 'the `example` app is missing: it is mandatory, as the default for MIME types no other key matches', 'example', exampleKey);
    }
    return { environment, example, apps };
  }

  private section(media: string, section: Entry, apps: App[]): void {
    const map = this.deref(section.value, section.name);
    if (isNull(map)) return;
    if (!isMap(map)) this.fail('E_API_TYPE', `expected a map of subtypes (like pdf or vnd.ms-*) to apps, got ${kind(map)}`, section.name, map);
    // The reference's own api.yml lists one subtype twice, both times as the same anchored app.
    const sameApp: OnDuplicate = (first, second, keyPath) =>
      this.deref(first.value, keyPath) === this.deref(second.value, keyPath) ? first : this.duplicate(first, second, keyPath);
    for (const entry of this.entries(map, section.name, lowerCase, sameApp)) {
      const keyPath = `${section.name}.${entry.name}`;
      const { name } = entry;
      if (!SUBTYPE.test(name) || /^\.+$/.test(name)) {
        this.fail('E_API_BAD_SUBTYPE', `\`${name}\` is not a MIME subtype or a glob over one: use letters, digits and !#$%&'*+-.^_\`{|}~, with *, ? and [...] as wildcards`, keyPath, entry.key);
      }
      const isGlob = isGlobPattern(name);
      if (isGlob) {
        try {
          globRegExp(name);
        } catch (error) {
          this.fail('E_API_BAD_GLOB', `\`${name}\` is not a valid glob: ${(error as Error).message}`, keyPath, entry.key);
        }
      }
      const value = this.deref(entry.value, keyPath);
      if (isNull(value)) continue;
      if (!isMap(value) && APP_KEYS.includes(name)) {
        this.fail('E_API_TYPE', `expected an app (a map) for subtype \`${name}\`, got ${kind(value)}: app keys go one level deeper, e.g. \`${section.name}.pdf.${name}\``, keyPath, value);
      }
      apps.push(this.app(entry.value, entry.key, keyPath, { key: `${media}/${name}`, mediaType: media, pattern: name, isGlob }));
    }
  }

  private app(node: Node | null, key: Node, keyPath: string, id: Pick<App, 'key' | 'mediaType' | 'pattern' | 'isGlob'>): App {
    const map = this.deref(node, keyPath);
    if (!isMap(map)) this.fail('E_API_TYPE', `expected an app (a map with at least \`report\`), got ${kind(map)}`, keyPath, map ?? key);
    const app: App = {
      ...id,
      workdir: '.',
      environ: {},
      install: [],
      check: [],
      scripts: [],
      report: '',
      remote: false,
      shared: id.key,
      timeoutMs: this.defaultTimeoutMs,
      container: { readOnly: true, mounts: [], args: [] },
      mounts: [],
      warm: false,
      limits: {},
      position: this.position(key),
    };
    const oneList: OnDuplicate = (first, second, at) =>
      first.name === second.name
        ? this.duplicate(first, second, at)
        : this.fail('E_API_SCANNER_AND_SCRIPTS', `\`${first.name}\` (line ${this.line(first.key)}) and \`${second.name}\` are the same list (\`scanner\` is the reference's older name for \`scripts\`): keep one`, `${at}.${second.name}`, second.key);
    for (const { name, key: field, value } of this.entries(map, keyPath, scriptsAlias, oneList)) {
      const at = `${keyPath}.${name}`;
      switch (name) {
        case 'workdir':
          app.workdir = this.text(value, at, 'a folder path') ?? app.workdir;
          break;
        case 'environ':
          app.environ = Object.fromEntries(this.variables(value, at));
          break;
        case 'install':
          app.install = this.commands(value, at);
          break;
        case 'check':
          app.check = this.commands(value, at);
          break;
        case 'scripts':
        case 'scanner':
          app.scripts = this.commands(value, at);
          break;
        case 'report':
          app.report = this.report(value, at, field);
          break;
        case 'remote':
          app.remote = this.flag(value, at) ?? app.remote;
          break;
        case 'shared':
          app.shared = this.text(value, at, 'a name that apps installing once together share') ?? app.shared;
          break;
        case 'timeout':
          app.timeoutMs = this.timeout(value, at) ?? app.timeoutMs;
          break;
        case 'runner': {
          const runner = this.text(value, at, `one of ${RUNNER_KINDS.join(', ')}`);
          if (runner !== undefined && !(RUNNER_KINDS as readonly string[]).includes(runner)) {
            this.fail('E_API_BAD_RUNNER', `\`${runner}\` is not a runner: use ${RUNNER_KINDS.join(', ')}.${suggest(runner, RUNNER_KINDS)}`, at, value);
          }
          if (runner !== undefined) app.runner = runner as RunnerKind;
          break;
        }
        case 'image':
        case 'build': {
          const text = this.text(value, at, name === 'image' ? 'a container image name, like `broapt/apps:1`' : 'a folder holding a Dockerfile or Containerfile');
          if (text !== undefined) app[name] = text;
          break;
        }
        case 'container':
          app.container = this.containerOptions(value, at);
          break;
        case 'mounts':
          app.mounts = this.mounts(value, at);
          break;
        case 'warm':
          app.warm = this.flag(value, at) ?? app.warm;
          break;
        case 'limits':
          app.limits = this.limits(value, at);
          break;
        default:
          this.fail('E_API_UNKNOWN_KEY', `unknown app key \`${name}\`.${suggest(name, APP_KEYS)} An app takes ${APP_KEYS.join(', ')}.`, at, field);
      }
    }
    if (app.image !== undefined && app.build !== undefined) {
      this.fail('E_API_IMAGE_AND_BUILD', 'give `image` (an image to run) or `build` (a folder to build one from), not both', `${keyPath}.build`, this.keyNode(map, 'build') ?? key);
    }
    if (app.runner === 'container' && app.image === undefined && app.build === undefined) {
      this.fail('E_API_NO_IMAGE', 'a `runner: container` app needs `image: NAME` or `build: FOLDER` (holding a Dockerfile or Containerfile)', `${keyPath}.runner`, this.keyNode(map, 'runner') ?? key);
    }
    if (app.report === '') {
      this.fail('E_API_NO_REPORT', 'the app has no `report`: it is mandatory, the command that writes the final report (e.g. `report: ${PYTHON3} report.py`)', `${keyPath}.report`, key);
    }
    return app;
  }

  private report(node: Node | null, keyPath: string, key: Node): string {
    const value = this.deref(node, keyPath);
    if (isNull(value)) this.fail('E_API_NO_REPORT', 'expected the command that writes the final report, got nothing', keyPath, key);
    if (isSeq(value)) this.fail('E_API_TYPE', 'expected one command (a string), got a list: `report` runs once, put the other commands under `scripts`', keyPath, value);
    return this.command(value, keyPath);
  }

  /** A command or a list of them; a lone string is a list of one. */
  private commands(node: Node | null, keyPath: string): string[] {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return [];
    if (isMap(value)) this.fail('E_API_TYPE', 'expected a command or a list of commands, got a map; a command holding `: ` must be quoted', keyPath, value);
    if (!isSeq(value)) return [this.command(value, keyPath)];
    return value.items.map((item, index) => this.command(item as Node | null, `${keyPath}[${index}]`));
  }

  private command(node: Node | null, keyPath: string): string {
    const value = this.deref(node, keyPath);
    if (isMap(value) || isSeq(value)) {
      this.fail('E_API_TYPE', `expected a command (a string), got ${kind(value)}; a command holding \`: \` or starting with \`[\`, \`{\` or \`-\` must be quoted`, keyPath, value);
    }
    // Commands are taken as written: YAML 1.1 would turn `yes` or `true` (real commands) into booleans.
    if (!isScalar(value) || value.value === null || written(value).trim() === '') {
      this.fail('E_API_EMPTY_COMMAND', 'empty command: write the command, or remove the entry', keyPath, value ?? node);
    }
    return written(value);
  }

  /** Name/value pairs of `environment` or `environ`; a repeated name keeps its last value, as PyYAML did. */
  private variables(node: Node | null, keyPath: string): [string, string][] {
    const map = this.deref(node, keyPath);
    if (isNull(map)) return [];
    if (!isMap(map)) this.fail('E_API_TYPE', `expected a map of variable names to values, got ${kind(map)}`, keyPath, map);
    return this.entries(map, keyPath, asWritten, lastWins).map(({ name, key, value }): [string, string] => {
      const at = `${keyPath}.${name}`;
      if (/[=\0]/.test(name)) this.fail('E_API_BAD_ENV_NAME', `\`${name}\` cannot be an environment variable name: it holds \`=\` or a NUL`, at, key);
      const scalar = this.deref(value, at);
      if (isNull(scalar)) return [name, ''];
      if (!isScalar(scalar)) this.fail('E_API_TYPE', `expected a value (a string, number or boolean), got ${kind(scalar)}`, at, scalar);
      return [name, written(scalar)];
    });
  }

  /** A scalar taken as written; undefined when absent (null). */
  private text(node: Node | null, keyPath: string, expected: string): string | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    if (!isScalar(value) || written(value) === '') this.fail('E_API_TYPE', `expected ${expected}, got ${isScalar(value) ? 'an empty string' : kind(value)}`, keyPath, value);
    return written(value);
  }

  private flag(node: Node | null, keyPath: string): boolean | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    if (!isScalar(value) || typeof value.value !== 'boolean') this.fail('E_API_TYPE', `expected true or false, got ${kind(value)}`, keyPath, value);
    return value.value;
  }

  private containerOptions(node: Node | null, keyPath: string): ContainerOptions {
    const options: ContainerOptions = { readOnly: true, mounts: [], args: [] };
    for (const { name, value } of this.options(node, keyPath, CONTAINER_KEYS, 'the `container` map')) {
      const at = `${keyPath}.${name}`;
      if (name === 'network' || name === 'user') {
        const text = this.text(value, at, name === 'network' ? 'a network mode, like none or bridge' : 'a user, like 65534 or 1000:1000');
        if (text !== undefined) options[name] = text;
      } else if (name === 'memory') {
        const bytes = this.size(value, at);
        if (bytes !== undefined) options.memory = bytes;
      } else if (name === 'cpus' || name === 'pids') {
        const number = this.positive(value, at, name === 'pids');
        if (number !== undefined) options[name] = number;
      } else if (name === 'read_only') options.readOnly = this.flag(value, at) ?? true;
      else if (name === 'mounts') options.mounts = this.mounts(value, at);
      else options.args = this.strings(value, at, 'a `run` option');
    }
    return options;
  }

  private limits(node: Node | null, keyPath: string): Limits {
    const limits: Limits = {};
    for (const { name, value } of this.options(node, keyPath, LIMIT_KEYS, 'the `limits` map')) {
      const at = `${keyPath}.${name}`;
      if (name === 'memory' || name === 'file_size' || name === 'disk') {
        const bytes = this.size(value, at);
        if (bytes !== undefined) limits[name === 'file_size' ? 'fileSize' : name] = bytes;
      } else if (name === 'cpu') {
        const ms = this.timeout(value, at);
        if (ms !== undefined) limits.cpu = Math.max(1, Math.ceil(ms / 1000));
      } else {
        const count = this.positive(value, at, true);
        if (count !== undefined) limits.processes = count;
      }
    }
    return limits;
  }

  /** Entries of an options map, each name one of `known`. */
  private options(node: Node | null, keyPath: string, known: string[], what: string): Entry[] {
    const map = this.deref(node, keyPath);
    if (isNull(map)) return [];
    if (!isMap(map)) this.fail('E_API_TYPE', `expected a map (keys ${known.join(', ')}), got ${kind(map)}`, keyPath, map);
    const entries = this.entries(map, keyPath, asWritten, (first, second, at) => this.duplicate(first, second, at));
    for (const { name, key } of entries) {
      if (!known.includes(name)) this.fail('E_API_UNKNOWN_KEY', `unknown key \`${name}\` in ${what}.${suggest(name, known)} It takes ${known.join(', ')}.`, `${keyPath}.${name}`, key);
    }
    return entries;
  }

  private mounts(node: Node | null, keyPath: string): Mount[] {
    return this.strings(node, keyPath, 'a mount `SOURCE[:TARGET][:ro|rw]`').map((text, index) => {
      const match = MOUNT.exec(text);
      if (!match) {
        this.fail('E_API_BAD_MOUNT', `\`${text}\` is not a mount: write SOURCE, SOURCE:/TARGET or either with :ro or :rw (TARGET absolute)`, `${keyPath}[${index}]`, this.deref(node, keyPath));
      }
      return { source: match[1]!, target: match[2] ?? '', writable: match[3] === 'rw' };
    });
  }

  /** A string or a list of strings; a lone string is a list of one. */
  private strings(node: Node | null, keyPath: string, expected: string): string[] {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return [];
    const items: [Node | null, string][] = isSeq(value) ? value.items.map((item, index) => [item as Node | null, `${keyPath}[${index}]`]) : [[value, keyPath]];
    return items.map(([item, at]) => {
      const scalar = this.deref(item, at);
      if (!isScalar(scalar) || scalar.value === null || written(scalar) === '') this.fail('E_API_TYPE', `expected ${expected} (a string), got ${kind(scalar)}`, at, scalar ?? node);
      return written(scalar);
    });
  }

  /** Bytes from a number or a size like "512m", "2g" (binary units, as docker reads them). */
  private size(node: Node | null, keyPath: string): number | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    const match = isScalar(value) ? SIZE.exec(String(value.value).trim()) : null;
    const bytes = match ? Math.floor(Number(match[1]) * (SIZE_UNITS[match[2]!.toLowerCase()] ?? NaN)) : NaN;
    if (!(bytes >= 1)) this.fail('E_API_BAD_LIMIT', `expected a size: bytes, or a number with k, m, g or t (like "512m"), got ${kind(value)}`, keyPath, value);
    return bytes;
  }

  private positive(node: Node | null, keyPath: string, integer: boolean): number | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    const number = isScalar(value) && typeof value.value === 'number' ? value.value : NaN;
    if (!(number > 0) || (integer && !Number.isInteger(number))) this.fail('E_API_BAD_LIMIT', `expected ${integer ? 'a whole number' : 'a number'} above 0, got ${kind(value)}`, keyPath, value);
    return number;
  }

  /** The key node of `name` in an app map, to point at it. */
  private keyNode(map: YAMLMap, name: string): Node | undefined {
    return map.items.find((pair) => isScalar(pair.key) && pair.key.value === name)?.key as Node | undefined;
  }

  /** Milliseconds from seconds (a number) or a duration string ("90s", "5m"); undefined when absent. */
  private timeout(node: Node | null, keyPath: string): number | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    const ms = (isScalar(value) ? toSeconds(value.value) : NaN) * 1000;
    if (!(ms > 0 && ms <= MAX_TIMEOUT_MS)) {
      this.fail('E_API_BAD_TIMEOUT', `expected seconds above 0 and at most ${MAX_TIMEOUT_MS / 1000} (a number, or a duration like "90s", "5m", "1h", "500ms"), got ${kind(value)}`, keyPath, value);
    }
    return ms;
  }

  /**
   * The entries of a map in file order, `<<` merge keys expanded in place:
   * own keys beat merged ones, earlier merge sources beat later ones.
   */
  private entries(map: YAMLMap, keyPath: string, fold: (name: string) => string, onDuplicate: OnDuplicate): Entry[] {
    const out: Entry[] = [];
    const index = new Map<string, { at: number; merged: boolean }>();
    for (const pair of map.items) {
      const key = pair.key as Node;
      if (isScalar(key) && typeof key.value === 'symbol') {
        for (const entry of this.mergeSources(pair.value as Node | null, keyPath, fold, onDuplicate)) {
          const name = fold(entry.name);
          if (!index.has(name)) {
            index.set(name, { at: out.length, merged: true });
            out.push(entry);
          }
        }
        continue;
      }
      const entry: Entry = { name: this.keyName(key, keyPath), key, value: pair.value as Node | null };
      const name = fold(entry.name);
      const previous = index.get(name);
      if (!previous) {
        index.set(name, { at: out.length, merged: false });
        out.push(entry);
      } else if (previous.merged) {
        previous.merged = false;
        out[previous.at] = entry;
      } else {
        out[previous.at] = onDuplicate(out[previous.at] as Entry, entry, keyPath);
      }
    }
    return out;
  }

  private mergeSources(node: Node | null, keyPath: string, fold: (name: string) => string, onDuplicate: OnDuplicate): Entry[] {
    const at = `${keyPath}.<<`;
    const source = this.deref(node, at);
    const maps = isSeq(source) ? source.items.map((item) => this.deref(item as Node | null, at)) : [source];
    return maps.flatMap((map) => {
      if (!isMap(map)) this.fail('E_API_BAD_MERGE', `a merge key \`<<\` takes a map, an alias of one, or a list of them; got ${kind(map)}`, at, map ?? node);
      if (this.merging.has(map)) this.fail('E_API_BAD_MERGE', 'this map merges itself (through `<<`), which never ends', at, node);
      this.merging.add(map);
      try {
        return this.entries(map, keyPath, fold, onDuplicate);
      } finally {
        this.merging.delete(map);
      }
    });
  }

  private keyName(node: Node, keyPath: string): string {
    const key = this.deref(node, keyPath);
    if (!isScalar(key) || key.value === null || written(key) === '') this.fail('E_API_TYPE', `expected a name as key, got ${kind(key)}`, keyPath, node);
    return written(key);
  }

  private duplicate(first: Entry, second: Entry, keyPath: string): never {
    const at = keyPath ? `${keyPath}.${second.name}` : second.name;
    return this.fail('E_API_DUPLICATE_KEY', `\`${second.name}\` is given twice (first at line ${this.line(first.key)}): keep one`, at, second.key);
  }

  /** The node an alias stands for; any other node itself. */
  private deref(node: Node | null, keyPath: string): Node | null {
    if (!isAlias(node)) return node;
    const target = node.resolve(this.doc);
    if (!target) this.fail('E_API_UNDEFINED_ALIAS', `alias \`*${node.source}\` has no anchor \`&${node.source}\` before it: define the anchor first, or fix the name`, keyPath, node);
    return target;
  }

  /** Key path of the innermost key spanning `offset`, to place a syntax error. */
  private pathAt(offset: number): string {
    const parts: string[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      const starts = (item: unknown) => ((item as Node | null)?.range?.[0] ?? Infinity) <= offset;
      if (isMap(node)) {
        const pair = node.items.findLast((item) => starts(item.key));
        if (!pair) break;
        parts.push(isScalar(pair.key) ? written(pair.key) : '?');
        node = pair.value;
      } else if (isSeq(node)) {
        const at = node.items.findLastIndex(starts);
        if (at < 0) break;
        parts.push(`[${at}]`);
        node = node.items[at];
      } else break;
    }
    return parts.join('.').replaceAll('.[', '[');
  }

  private position(node: Node | null | undefined): SourcePosition {
    const { line, col } = this.lines.linePos(node?.range?.[0] ?? 0);
    return { file: this.file, line, column: col };
  }

  private line(node: Node): number {
    return this.position(node).line;
  }

  private fail(code: string, detail: string, keyPath: string, node: Node | null | undefined): never {
    throw new ConfigError(code, detail, keyPath, this.position(node));
  }

  private failAt(code: string, detail: string, keyPath: string, offset: number): never {
    const { line, col } = this.lines.linePos(offset);
    throw new ConfigError(code, detail, keyPath, { file: this.file, line, column: col });
  }
}

function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/**
 * A scalar as written (after YAML unquoting): `010`, `1.50` or `yes` keep their
 * spelling instead of becoming YAML 1.1 numbers and booleans.
 */
function written(node: Scalar): string {
  return node.source ?? String(node.value);
}

function kind(node: Node | null): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (!isScalar(node) || node.value === null) return 'nothing (null)';
  const type = node.value;
  const noun = typeof type === 'string' ? 'a string' : typeof type === 'boolean' ? 'a boolean' : typeof type === 'number' ? 'a number' : 'a scalar';
  return `${noun} (${JSON.stringify(written(node))})`;
}

function toSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  if (!match) return NaN;
  return Number(match[1]) * (UNIT_SECONDS[(match[2] ?? 's').toLowerCase()] ?? NaN);
}

/** " Did you mean `x`?" for the closest candidate within a typo's distance, else "". */
function suggest(name: string, candidates: readonly string[]): string {
  let best = '';
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` Did you mean \`${best}\`?` : '';
}

/** Edit distance counting a swap of neighbours as one edit (`scirpts` is one from `scripts`). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}
