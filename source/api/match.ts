import picomatch from 'picomatch';
import type { Mime } from '../entry/entry.ts';
import { mimeAliases } from '../../apps/lib/mime-alias.ts';
import type { ApiConfig, App, AppMatch } from './app.ts';
import { resolveWorkdir } from './workdir.ts';

/**
 * Shell-glob semantics over the whole subtype: `*`, `?`, `[...]` (`!`/`^`
 * negation, POSIX classes) and `\` escapes, case-insensitive. Picomatch is
 * built for paths, so its extras are switched off: `{`, `!` and `+` are plain
 * characters of real subtypes, and `dot` lets `*` match dots anywhere. `debug`
 * makes a broken pattern throw instead of silently compiling to never-match.
 */
const GLOB_OPTIONS: picomatch.PicomatchOptions = {
  nocase: true,
  dot: true,
  nobrace: true,
  noextglob: true,
  nonegate: true,
  noglobstar: true,
  posix: true,
  windows: false,
  debug: true,
};

/** Subtype keys holding these characters match as globs; all others by equality. */
export function isGlobPattern(subtype: string): boolean {
  return /[*?[\\]/.test(subtype);
}

/** Compile a subtype glob; throws an Error saying what is wrong with a malformed one. */
export function globRegExp(pattern: string): RegExp {
  const unclosed = unclosedBracket(pattern);
  // A shell takes an unclosed `[` literally, but no MIME subtype holds `[`: it is a typo.
  if (unclosed >= 0) throw new Error(`the \`[\` at character ${unclosed + 1} is never closed by \`]\``);
  return picomatch.makeRe(pattern, GLOB_OPTIONS);
}

function unclosedBracket(pattern: string): number {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '[') {
      let j = i + 1;
      if (pattern[j] === '!' || pattern[j] === '^') j++;
      // A `]` right after the opening (or its negation) is a member, not the end.
      if (pattern[j] === ']') j++;
      const close = pattern.indexOf(']', j);
      if (close < 0) return i;
      i = close;
    }
  }
  return -1;
}

interface Matcher {
  /** `media/subtype`, lower-case, of every non-glob key. */
  exact: Map<string, App>;
  /** Glob apps per media type, in file order: a MIME only ever meets its own section's. */
  globs: Map<string, { app: App; regex: RegExp }[]>;
}

// Keyed by the config object: a loaded ApiConfig is never mutated.
const matchers = new WeakMap<ApiConfig, Matcher>();

function matcherOf(config: ApiConfig): Matcher {
  const cached = matchers.get(config);
  if (cached) return cached;
  const matcher: Matcher = { exact: new Map(), globs: new Map() };
  for (const app of config.apps) {
    if (!app.isGlob) {
      const name = app.key.toLowerCase();
      if (!matcher.exact.has(name)) matcher.exact.set(name, app);
      continue;
    }
    let section = matcher.globs.get(app.mediaType);
    if (!section) matcher.globs.set(app.mediaType, (section = []));
    section.push({ app, regex: globRegExp(app.pattern) });
  }
  matchers.set(config, matcher);
  return matcher;
}

/**
 * The app for a MIME type: the key equal to it (case-insensitive) or to another
 * name of its type (apps/lib/mime-alias.ts), else the first glob of its
 * media section in file order, else `example`.
 */
export function matchApp(config: ApiConfig, mime: Mime): AppMatch {
  const matcher = matcherOf(config);
  const media = mime.mediaType.toLowerCase();
  const exact = mimeAliases(`${media}/${mime.subtype}`).map((name) => matcher.exact.get(name)).find((app) => app !== undefined);
  const glob = exact ? undefined : matcher.globs.get(media)?.find(({ regex }) => regex.test(mime.subtype));
  const [app, reason]: [App, AppMatch['reason']] = exact ? [exact, 'exact'] : glob ? [glob.app, 'glob'] : [config.example, 'default'];
  return { app, reason, workdir: resolveWorkdir(config, app, mime.subtype) };
}
