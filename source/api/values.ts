import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { ENV_NAME } from '../runner/launcher.ts';
import type { Limits, Mount } from '../runner/plan.ts';
import type { ContainerOptions } from './app.ts';
import { MAX_TIMEOUT_MS, toSeconds } from './duration.ts';
import { CONTAINER_KEYS, LIMIT_KEYS, MOUNT, SIZE, SIZE_UNITS } from './schema.ts';
import { suggest } from './suggest.ts';
import { asWritten, isNull, kind, lastWins, written, YamlSource, type Entry } from './yaml-source.ts';

/** Typed api.yml values (commands, variables, sizes, durations, mounts), each checked where it is written. */
export class ValueReader extends YamlSource {
  protected report(node: Node | null, keyPath: string, key: Node): string {
    const value = this.deref(node, keyPath);
    if (isNull(value)) this.fail('E_API_NO_REPORT', 'expected the command that writes the final report, got nothing', keyPath, key);
    if (isSeq(value)) this.fail('E_API_TYPE', 'expected one command (a string), got a list: `report` runs once, put the other commands under `scripts`', keyPath, value);
    return this.command(value, keyPath);
  }

  /** A command or a list of them; a lone string is a list of one. */
  protected commands(node: Node | null, keyPath: string): string[] {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return [];
    if (isMap(value)) this.fail('E_API_TYPE', 'expected a command or a list of commands, got a map; a command holding `: ` must be quoted', keyPath, value);
    if (!isSeq(value)) return [this.command(value, keyPath)];
    return value.items.map((item, index) => this.command(item as Node | null, `${keyPath}[${index}]`));
  }

  protected command(node: Node | null, keyPath: string): string {
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
  protected variables(node: Node | null, keyPath: string): [string, string][] {
    const map = this.deref(node, keyPath);
    if (isNull(map)) return [];
    if (!isMap(map)) this.fail('E_API_TYPE', `expected a map of variable names to values, got ${kind(map)}`, keyPath, map);
    return this.entries(map, keyPath, asWritten, lastWins).map(({ name, key, value }): [string, string] => {
      const at = `${keyPath}.${name}`;
      if (/[=\0]/.test(name)) this.fail('E_API_BAD_ENV_NAME', `\`${name}\` cannot be an environment variable name: it holds \`=\` or a NUL`, at, key);
      // The launcher exports every variable through /bin/sh, which takes no other name: caught here, not on the first file.
      if (!ENV_NAME.test(name)) this.fail('E_API_BAD_ENV_NAME', `\`${name}\` cannot be an environment variable name: use letters, digits and _, not starting with a digit`, at, key);
      const scalar = this.deref(value, at);
      if (isNull(scalar)) return [name, ''];
      if (!isScalar(scalar)) this.fail('E_API_TYPE', `expected a value (a string, number or boolean), got ${kind(scalar)}`, at, scalar);
      return [name, written(scalar)];
    });
  }

  /** A scalar taken as written; undefined when absent (null). */
  protected text(node: Node | null, keyPath: string, expected: string): string | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    if (!isScalar(value) || written(value) === '') this.fail('E_API_TYPE', `expected ${expected}, got ${isScalar(value) ? 'an empty string' : kind(value)}`, keyPath, value);
    return written(value);
  }

  protected flag(node: Node | null, keyPath: string): boolean | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    if (!isScalar(value) || typeof value.value !== 'boolean') this.fail('E_API_TYPE', `expected true or false, got ${kind(value)}`, keyPath, value);
    return value.value;
  }

  protected containerOptions(node: Node | null, keyPath: string): ContainerOptions {
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

  protected limits(node: Node | null, keyPath: string): Limits {
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
  protected options(node: Node | null, keyPath: string, known: string[], what: string): Entry[] {
    const map = this.deref(node, keyPath);
    if (isNull(map)) return [];
    if (!isMap(map)) this.fail('E_API_TYPE', `expected a map (keys ${known.join(', ')}), got ${kind(map)}`, keyPath, map);
    const entries = this.entries(map, keyPath, asWritten, (first, second, at) => this.duplicate(first, second, at));
    for (const { name, key } of entries) {
      if (!known.includes(name)) this.fail('E_API_UNKNOWN_KEY', `unknown key \`${name}\` in ${what}.${suggest(name, known)} It takes ${known.join(', ')}.`, `${keyPath}.${name}`, key);
    }
    return entries;
  }

  protected mounts(node: Node | null, keyPath: string): Mount[] {
    return this.strings(node, keyPath, 'a mount `SOURCE[:TARGET][:ro|rw]`').map((text, index) => {
      const match = MOUNT.exec(text);
      if (!match) {
        this.fail('E_API_BAD_MOUNT', `\`${text}\` is not a mount: write SOURCE, SOURCE:/TARGET or either with :ro or :rw (TARGET absolute)`, `${keyPath}[${index}]`, this.deref(node, keyPath));
      }
      return { source: match[1]!, target: match[2] ?? '', writable: match[3] === 'rw' };
    });
  }

  /** A string or a list of strings; a lone string is a list of one. */
  protected strings(node: Node | null, keyPath: string, expected: string): string[] {
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
  protected size(node: Node | null, keyPath: string): number | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    const match = isScalar(value) ? SIZE.exec(String(value.value).trim()) : null;
    const bytes = match ? Math.floor(Number(match[1]) * (SIZE_UNITS[match[2]!.toLowerCase()] ?? NaN)) : NaN;
    if (!(bytes >= 1)) this.fail('E_API_BAD_LIMIT', `expected a size: bytes, or a number with k, m, g or t (like "512m"), got ${kind(value)}`, keyPath, value);
    return bytes;
  }

  protected positive(node: Node | null, keyPath: string, integer: boolean): number | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    const number = isScalar(value) && typeof value.value === 'number' ? value.value : NaN;
    if (!(number > 0) || (integer && !Number.isInteger(number))) this.fail('E_API_BAD_LIMIT', `expected ${integer ? 'a whole number' : 'a number'} above 0, got ${kind(value)}`, keyPath, value);
    return number;
  }

  /** Milliseconds from seconds (a number) or a duration string ("90s", "5m"); undefined when absent. */
  protected timeout(node: Node | null, keyPath: string): number | undefined {
    const value = this.deref(node, keyPath);
    if (isNull(value)) return undefined;
    const ms = (isScalar(value) ? toSeconds(value.value) : NaN) * 1000;
    if (!(ms > 0 && ms <= MAX_TIMEOUT_MS)) {
      this.fail('E_API_BAD_TIMEOUT', `expected seconds above 0 and at most ${MAX_TIMEOUT_MS / 1000} (a number, or a duration like "90s", "5m", "1h", "500ms"), got ${kind(value)}`, keyPath, value);
    }
    return ms;
  }
}
