import picomatch from 'picomatch';
import { describe, expect, it, vi } from 'vitest';
import type { ApiConfig } from '../source/api/app.ts';
import { expandVars } from '../source/api/expand.ts';
import { matchApp } from '../source/api/match.ts';
import { resolveWorkdir } from '../source/api/workdir.ts';
import { mimeOf } from '../source/entry/entry.ts';
import { app, EXAMPLE, failure, FILE, parse, ROOT, yml } from './helpers/api-yml.ts';
describe('invalid api.yml', () => {
  const cases: [string, string, string, number, number, string, string][] = [
    ['YAML syntax', yml('example:', '  report: r', ' workdir: x'), 'E_API_YAML_SYNTAX', 3, 1, 'example.report', 'YAML syntax error'],
    ['not a map', yml('- report: r'), 'E_API_NOT_A_MAP', 1, 1, '', 'got a list'],
    ['empty file', '', 'E_API_NOT_A_MAP', 1, 1, '', 'got an empty file'],
    ['no example', yml('application:', '  pdf:', '    report: r'), 'E_API_NO_EXAMPLE', 1, 1, 'example', 'mandatory'],
    ['null example', yml('audio:', 'example:'), 'E_API_NO_EXAMPLE', 2, 1, 'example', 'mandatory'],
    ['no report', yml(...EXAMPLE, 'application:', '  pdf:', '    workdir: pdf'), 'E_API_NO_REPORT', 4, 3, 'application.pdf.report', 'no `report`'],
    ['report as a list', yml('example:', '  report: [a, b]'), 'E_API_TYPE', 2, 11, 'example.report', 'got a list'],
    ['remote as a string', yml(...EXAMPLE, '  remote: "yes"'), 'E_API_TYPE', 3, 11, 'example.remote', 'expected true or false, got a string ("yes")'],
    ['install as a map', yml(...EXAMPLE, '  install:', '    apt-get: install foo'), 'E_API_TYPE', 4, 5, 'example.install', 'expected a command or a list of commands, got a map'],
    ['section not a map', yml(...EXAMPLE, 'audio: 5'), 'E_API_TYPE', 3, 8, 'audio', 'expected a map of subtypes'],
    ['app key in a section', yml(...EXAMPLE, 'application:', '  report: r'), 'E_API_TYPE', 4, 11, 'application.report', 'application.pdf.report'],
    ['environ value a map', yml(...EXAMPLE, '  environ:', '    A: {b: c}'), 'E_API_TYPE', 4, 8, 'example.environ.A', 'got a map'],
    ['typo in an app key', yml(...EXAMPLE, '  scirpts: [a]'), 'E_API_UNKNOWN_KEY', 3, 3, 'example.scirpts', 'Did you mean `scripts`?'],
    ['typo in a media type', yml(...EXAMPLE, 'aplication:', '  pdf: {report: r}'), 'E_API_UNKNOWN_MEDIA', 3, 1, 'aplication', 'Did you mean `application`?'],
    ['unclosed bracket', yml(...EXAMPLE, 'application:', '  vnd.[ms-*:', '    report: r'), 'E_API_BAD_GLOB', 4, 3, 'application.vnd.[ms-*', 'never closed'],
    ['reversed range', yml(...EXAMPLE, 'image:', "  '[z-a]*': {report: r}"), 'E_API_BAD_GLOB', 4, 3, 'image.[z-a]*', 'not a valid glob'],
    ['slash in a subtype', yml(...EXAMPLE, 'application:', '  "vnd/ms": {report: r}'), 'E_API_BAD_SUBTYPE', 4, 3, 'application.vnd/ms', 'not a MIME subtype'],
    ['app key twice', yml('example:', '  report: a', '  report: b'), 'E_API_DUPLICATE_KEY', 3, 3, 'example.report', 'first at line 2'],
    ['subtype twice, case apart', yml(...EXAMPLE, 'application:', '  pdf: {report: a}', '  PDF: {report: b}'), 'E_API_DUPLICATE_KEY', 5, 3, 'application.PDF', 'first at line 4'],
    ['scanner and scripts', yml(...EXAMPLE, '  scanner: [a]', '  scripts: [b]'), 'E_API_SCANNER_AND_SCRIPTS', 4, 3, 'example.scripts', 'keep one'],
    ['zero timeout', yml(...EXAMPLE, '  timeout: 0'), 'E_API_BAD_TIMEOUT', 3, 12, 'example.timeout', 'expected seconds above 0'],
    ['timeout in words', yml(...EXAMPLE, '  timeout: 5 minutes'), 'E_API_BAD_TIMEOUT', 3, 12, 'example.timeout', 'got a string ("5 minutes")'],
    ['timeout past setTimeout', yml(...EXAMPLE, '  timeout: 30d'), 'E_API_BAD_TIMEOUT', 3, 12, 'example.timeout', 'like "90s"'],
    ['empty list item', yml(...EXAMPLE, '  install:', '    - apt-get update', '    -', '    - apt-get clean'), 'E_API_EMPTY_COMMAND', 5, 6, 'example.install[1]', 'empty command'],
    ['blank report', yml('example:', '  report: "  "'), 'E_API_EMPTY_COMMAND', 2, 11, 'example.report', 'empty command'],
    ['undefined alias', yml(...EXAMPLE, 'application:', '  pdf: *pdf_app'), 'E_API_UNDEFINED_ALIAS', 4, 8, 'application.pdf', '`&pdf_app`'],
    ['merge of a string', yml(...EXAMPLE, '  <<: just text'), 'E_API_BAD_MERGE', 3, 7, 'example.<<', 'takes a map'],
    ['map merging itself', yml(...EXAMPLE, 'application:', '  pdf: &self', '    <<: *self', '    report: r'), 'E_API_BAD_MERGE', 5, 9, 'application.pdf.<<', 'merges itself'],
    ['= in a variable name', yml('environment:', '  "A=B": 1', ...EXAMPLE), 'E_API_BAD_ENV_NAME', 2, 3, 'environment.A=B', 'holds `=`'],
  ];

  it.each(cases)('%s → %s', (_name, text, code, line, column, keyPath, detail) => {
    const error = failure(text);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(2);
    expect(error.position).toEqual({ file: FILE, line, column });
    expect(error.keyPath).toBe(keyPath);
    expect(error.message.startsWith(`${FILE}:${line}:${column}: ${keyPath ? `${keyPath}: ` : ''}`)).toBe(true);
    expect(error.message).toContain(detail);
  });

  it('gives every kind of problem its own code', () => {
    expect(new Set(cases.map(([, , code]) => code)).size).toBeGreaterThanOrEqual(16);
  });
});

describe('valid api.yml', () => {
  const config = parse(
    yml(
      'environment:',
      '  PYTHON3: /usr/bin/python3',
      '  TOOLS: ${HOME}/tools',
      '  LATER: $PYTHON3',
      'example:',
      '  environ:',
      '    VT_RETRY: 010',
      '    VT_FLAG: yes',
      '  report: ${PYTHON3} vt.py',
      'application:',
      '  pdf: &pdf',
      '    workdir: pdf-tools',
      '    environ: {A: 1, B: $A-$PYTHON3, C: $D, D: 2}',
      '    install: pip install peepdf',
      '    scanner:',
      '      - ${PYTHON3} detect.py',
      '    report: ${PYTHON3} report.py',
      '    timeout: 90s',
      '  x-pdf: *pdf',
      '  vnd.ms-*: &office',
      '    workdir: ${TOOLS}/office',
      '    report: office-report',
      '    shared: office',
      '    remote: yes',
      '  vnd.openxmlformats-officedocument.*: *office',
      '  zip:',
      '    <<: *pdf',
      '    report: zip-report',
      '    scripts: [unzip -l]',
      'audio:',
      'text:',
      '  plain:',
    ),
  );

  it('keeps apps in file order, skipping null sections and subtypes', () => {
    expect(config.file).toBe(FILE);
    expect(config.root).toBe(ROOT);
    expect(config.apps.map((each) => [each.key, each.isGlob])).toEqual([
      ['application/pdf', false],
      ['application/x-pdf', false],
      ['application/vnd.ms-*', true],
      ['application/vnd.openxmlformats-officedocument.*', true],
      ['application/zip', false],
    ]);
    expect(app(config, 'application/pdf').position).toEqual({ file: FILE, line: 11, column: 3 });
  });

  it('expands environment against the process env only, and takes values as written', () => {
    expect(config.environment).toEqual({ PYTHON3: '/usr/bin/python3', TOOLS: '/home/zeek/tools', LATER: '$PYTHON3' });
    expect(app(config, 'example').environ).toEqual({ ...config.environment, VT_RETRY: '010', VT_FLAG: 'yes' });
  });

  it('expands environ in order over process env, environment and earlier keys, leaving unknowns', () => {
    expect(app(config, 'application/pdf').environ).toMatchObject({ A: '1', B: '1-/usr/bin/python3', C: '$D', D: '2' });
  });

  it('fills every field, leaves commands unexpanded, accepts scanner and a lone string', () => {
    expect(app(config, 'application/pdf')).toMatchObject({
      mediaType: 'application',
      pattern: 'pdf',
      workdir: 'pdf-tools',
      install: ['pip install peepdf'],
      scripts: ['${PYTHON3} detect.py'],
      report: '${PYTHON3} report.py',
      remote: false,
      shared: 'application/pdf',
      timeoutMs: 90_000,
    });
    expect(app(config, 'example')).toMatchObject({ key: 'example', pattern: '', workdir: '.', install: [], scripts: [], timeoutMs: 300_000 });
  });

  it('resolves aliases to copies under their own key', () => {
    const alias = app(config, 'application/x-pdf');
    expect(alias).toMatchObject({ report: '${PYTHON3} report.py', shared: 'application/x-pdf', position: { line: 19, column: 3 } });
    const office = app(config, 'application/vnd.openxmlformats-officedocument.*');
    expect(office).toMatchObject({ shared: 'office', remote: true, workdir: '/home/zeek/tools/office', report: 'office-report' });
  });

  it('merges `<<` with own keys winning, `scripts` overriding a merged `scanner`', () => {
    expect(app(config, 'application/zip')).toMatchObject({
      workdir: 'pdf-tools',
      install: ['pip install peepdf'],
      scripts: ['unzip -l'],
      report: 'zip-report',
      timeoutMs: 90_000,
    });
  });

  it('merges a list of maps, earlier ones first', () => {
    const merged = parse(yml('example:', '  <<: [{report: first, workdir: a}, {report: second, remote: true}]'));
    expect(merged.example).toMatchObject({ report: 'first', workdir: 'a', remote: true });
  });

  it('accepts an environ given twice, last value winning', () => {
    const twice = parse(yml('example:', '  report: r', '  environ:', '    P: one', '    Q: $P', '    P: two'));
    // PyYAML's dict keeps the first place with the last value, so Q comes after P = two.
    expect(twice.example.environ).toEqual({ P: 'two', Q: 'two' });
  });

  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['"30"', 30_000],
    ['2.5', 2_500],
  ])('reads timeout %s as %d ms', (written, ms) => {
    expect(parse(yml(...EXAMPLE, `  timeout: ${written}`)).example.timeoutMs).toBe(ms);
  });
});

describe('matching', () => {
  const office = (...globs: string[]) =>
    parse(yml(...EXAMPLE, 'application:', ...globs, '  vnd.ms-excel: {report: exact}', 'text:', '  "*": {report: any-text}'));
  const report = (config: ApiConfig, mime: string) => matchApp(config, mimeOf(mime)).app.report;

  it('takes the first matching glob in file order', () => {
    const msFirst = office('  vnd.ms-*: {report: ms}', '  vnd.*: {report: vnd}');
    expect(matchApp(msFirst, mimeOf('application/vnd.ms-word'))).toMatchObject({ reason: 'glob', app: { report: 'ms' } });
    expect(report(msFirst, 'application/vnd.oasis.opendocument.text')).toBe('vnd');
    const vndFirst = office('  vnd.*: {report: vnd}', '  vnd.ms-*: {report: ms}');
    expect(report(vndFirst, 'application/vnd.ms-word')).toBe('vnd');
  });

  it('prefers an exact key to an earlier glob', () => {
    const config = office('  vnd.ms-*: {report: ms}');
    expect(matchApp(config, mimeOf('application/vnd.ms-excel'))).toMatchObject({ reason: 'exact', app: { report: 'exact' } });
  });

  it('falls back to example, and never takes a glob from another media section', () => {
    const config = office('  vnd.ms-*: {report: ms}');
    expect(matchApp(config, mimeOf('application/pdf'))).toMatchObject({ reason: 'default', app: { key: 'example' } });
    expect(report(config, 'image/vnd.ms-photo')).toBe('r');
    expect(report(config, 'text/plain')).toBe('any-text');
  });

  it('ignores case in keys, sections and MIME types', () => {
    const config = parse(yml(...EXAMPLE, 'Application:', '  VND.MS-*: {report: ms}', '  PDF: {report: pdf}'));
    expect(config.apps.map((each) => each.key)).toEqual(['application/VND.MS-*', 'application/PDF']);
    expect(report(config, 'application/vnd.ms-excel')).toBe('ms');
    expect(matchApp(config, { mediaType: 'APPLICATION', subtype: 'Pdf', name: 'application/pdf' }).reason).toBe('exact');
    expect(report(config, 'Application/Vnd.MS-Word')).toBe('ms');
  });

  it('uses shell globs: * spans dots, ?, [...], and { ! are literal', () => {
    const config = parse(
      yml(...EXAMPLE, 'application:', '  x-?z: {report: one}', '  x-[ab]*: {report: class}', "  'x-{c..e}*': {report: brace}", "  '!neg*': {report: bang}", '  vnd.*: {report: dots}'),
    );
    expect(report(config, 'application/x-yz')).toBe('one');
    expect(report(config, 'application/x-yyz')).toBe('r');
    expect(report(config, 'application/x-b.c')).toBe('class');
    expect(report(config, 'application/x-{c..e}z')).toBe('brace');
    expect(report(config, 'application/x-dzz')).toBe('r');
    expect(report(config, 'application/!negate')).toBe('bang');
    expect(report(config, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('dots');
  });

  it('compiles each glob once per config, not once per file', () => {
    const config = office('  vnd.ms-*: {report: ms}', '  vnd.*: {report: vnd}');
    const makeRe = vi.spyOn(picomatch, 'makeRe');
    try {
      for (let i = 0; i < 50; i++) matchApp(config, mimeOf(`application/vnd.type-${i}`));
      expect(makeRe).toHaveBeenCalledTimes(3);
    } finally {
      makeRe.mockRestore();
    }
  });
});

describe('working directory', () => {
  const config = parse(
    yml(
      'environment:',
      '  TOOLS: /opt/tools',
      'example:',
      '  report: r',
      'application:',
      '  pdf: {report: r, workdir: pdf-tools}',
      '  PNG: {report: r}',
      '  vnd.ms-*: {report: r}',
      '  x-*: {report: r, workdir: ../shared}',
      '  zip: {report: r, workdir: /usr/lib/zip}',
      '  x: {report: r, workdir: $TOOLS/x}',
      '  y: {report: r, workdir: "${HOME}/y"}',
      '  z: {report: r, workdir: $MINE/z, environ: {MINE: $TOOLS/mine}}',
      '  root: {report: r, workdir: "${BROAPT_API_ROOT}/common"}',
    ),
  );

  it.each([
    ['application/pdf', '/srv/api/application/pdf/pdf-tools', 'exact key: below <root>/<media>/<subtype>/'],
    ['application/png', '/srv/api/application/png', 'exact key: the folder is lower-case'],
    ['application/vnd.ms-excel', '/srv/api/application/vnd.ms-*', 'glob: below the pattern as written'],
    ['application/vnd.ms-word', '/srv/api/application/vnd.ms-*', 'glob: one folder for all its MIME types'],
    ['application/x-tar', '/srv/api/application/shared', 'glob: resolved as text, no folder named *'],
    ['application/zip', '/usr/lib/zip', 'absolute: as is'],
    ['audio/mpeg', '/srv/api/example', 'default: <root>/example/'],
    ['application/x', '/opt/tools/x', '$VAR from environment'],
    ['application/y', '/home/zeek/y', '${VAR} from the process env'],
    ['application/z', '/opt/tools/mine/z', '$VAR from the app environ'],
    ['application/root', '/srv/api/common', 'BROAPT_API_ROOT is the loaded folder'],
  ])('%s runs in %s (%s)', (mime, expected) => {
    expect(matchApp(config, mimeOf(mime)).workdir).toBe(expected);
  });

  it('agrees with resolveWorkdir', () => {
    const mime = mimeOf('application/pdf');
    expect(resolveWorkdir(config, app(config, 'application/pdf'))).toBe(matchApp(config, mime).workdir);
  });
});

describe('expandVars', () => {
  const env = { A: 'a', B: '$A', EMPTY: '' };
  it.each([
    ['$A/${A}', 'a/a'],
    ['$A_x ${A}_x', '$A_x a_x'],
    ['$UNKNOWN ${UNKNOWN} ${} $ $$', '$UNKNOWN ${UNKNOWN} ${} $ $$'],
    ['[$EMPTY]', '[]'],
    ['$B', '$A'],
    ['${A', '${A'],
    ['$constructor ${toString}', '$constructor ${toString}'],
  ])('%s → %s', (value, expected) => {
    expect(expandVars(value, env)).toBe(expected);
  });
});

/** cluster/app/include/api/api.yml of JarryShaw/broapt, as written there. */
