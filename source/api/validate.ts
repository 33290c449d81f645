import { isMap, type Document, type LineCounter, type Node } from 'yaml';
import { MEDIA_TYPES } from '../entry/entry.ts';
import { RUNNER_KINDS, type RunnerKind } from '../runner/plan.ts';
import type { App } from './app.ts';
import { globRegExp, isGlobPattern } from './match.ts';
import { APP_KEYS, EXTENSION_MEDIA, SUBTYPE, TOP_KEYS } from './schema.ts';
import { suggest } from './suggest.ts';
import { ValueReader } from './values.ts';
import { isNull, kind, lowerCase, type Entry, type OnDuplicate } from './yaml-source.ts';

const scriptsAlias = (name: string) => (name === 'scanner' ? 'scripts' : name);

/** Apps and raw (unexpanded) variables, validated in file order. */
export class ApiReader extends ValueReader {
  readonly defaultTimeoutMs: number;

  constructor(doc: Document.Parsed, lines: LineCounter, file: string, defaultTimeoutMs: number) {
    super(doc, lines, file);
    this.defaultTimeoutMs = defaultTimeoutMs;
  }

  read(): { environment: [string, string][]; example: App; apps: App[] } {
    const [syntax] = this.doc.errors;
    if (syntax) this.failAt('E_API_YAML_SYNTAX', `YAML syntax error: ${syntax.message}`, this.pathAt(syntax.pos[0]), syntax.pos[0]);
    this.refuseHostileNodes();
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

}
