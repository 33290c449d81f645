import { describe, expect, it } from 'vitest';
import { parseApiConfig } from '../source/api/load.ts';
import { matchApp } from '../source/api/match.ts';
import { mimeOf } from '../source/entry/entry.ts';
import { mimeAliases, sameMime } from '../apps/lib/mime-alias.ts';

const config = parseApiConfig(
  ['example:', '  report: generic', 'application:', '  x-dosexec: {report: pe}', '  x-elf: {report: elf}', '  "*": {report: any-application}', ''].join('\n'),
  '/srv/api/api.yml',
  { defaultTimeoutMs: 1000, env: {} },
);

describe('MIME names of one type', () => {
  it("treat Zeek's, libmagic's and file-type's names of a type as one", () => {
    expect(sameMime('application/x-dosexec', 'application/x-msdownload')).toBe(true);
    expect(sameMime('application/vnd.microsoft.portable-executable', 'APPLICATION/X-DOSEXEC')).toBe(true);
    expect(sameMime('application/x-sharedlib', 'application/x-pie-executable')).toBe(true);
    expect(sameMime('application/x-dosexec', 'application/x-executable')).toBe(false);
    expect(sameMime('text/plain', 'text/plain')).toBe(true);
    expect(sameMime('text/plain', 'text/html')).toBe(false);
    expect(mimeAliases('application/x-msdownload')[0]).toBe('application/x-msdownload');
    expect(mimeAliases('image/png')).toEqual(['image/png']);
  });

  it("match an api.yml key written with another of the type's names, before any glob", () => {
    for (const mime of ['application/x-msdownload', 'application/vnd.microsoft.portable-executable', 'application/x-dosexec']) {
      expect(matchApp(config, mimeOf(mime)), mime).toMatchObject({ reason: 'exact', app: { report: 'pe' } });
    }
    expect(matchApp(config, mimeOf('application/x-pie-executable')).app.report).toBe('elf');
    expect(matchApp(config, mimeOf('application/pdf'))).toMatchObject({ reason: 'glob', app: { report: 'any-application' } });
  });
});
