import { describe, expect, it } from 'vitest';
import { obfuscatedJs } from './fixture.ts';
import { webFacts, webFindings } from './web.ts';

const rules = (text: string) => webFindings(webFacts(Buffer.from(text))).map((f) => f.rule);

describe('JavaScript and HTML app', () => {
  it('flags decoding and evaluating, and long encoded strings', () => {
    expect(rules(obfuscatedJs())).toEqual(['js.obfuscation']);
    const blob = `var p="${Buffer.alloc(3000, 7).toString('base64')}";eval(atob(p));`;
    expect(rules(blob)).toEqual(['js.encoded-string']);
    expect(rules("eval(function(p,a,c,k,e,d){return p}('0',1,1,''.split('|'),0,{}))")).toEqual(['js.packer']);
  });

  it('flags invisible iframes only', () => {
    expect(rules('<html><iframe src="http://198.51.100.1/x" width="0" height="0" frameborder="0"></iframe></html>')).toEqual(['html.hidden-iframe']);
    expect(rules('<iframe src="/a" style="display:none"></iframe>')).toEqual(['html.hidden-iframe']);
    expect(rules('<iframe src="https://www.youtube.com/embed/x" width="560" height="315"></iframe>')).toEqual([]);
  });

  it('leaves ordinary scripts clean', () => {
    expect(rules('function add(a, b) { return a + b; }\nconsole.log(add(1, 2));\nconst s = String.fromCharCode(65);\n')).toEqual([]);
  });
});
