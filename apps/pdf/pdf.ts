/**
 * PDF analysis: reads every object (object streams and filtered streams
 * decoded, within a byte budget), then judges what makes a PDF act —
 * JavaScript by where it runs and what it calls, /Launch by what it runs,
 * links by where they lead, attachments by name (and hands them back to
 * broapt as children), payloads hidden in streams, polyglots and bombs.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { automaticActions, launchesOf, reachingActions, remoteFileTargets } from './actions.ts';
import { imageOnly, linkSignals, linksOf } from './links.ts';
import { attachmentsOf, hasPeStub, hiddenFiles, polyglotOf, writeChildren } from './embedded.ts';
import { type PdfFacts, pdfFindings } from './findings.ts';
import { referrersOf, scriptsOf, xfaScripts } from './javascript.ts';
import { MAX_DECODED_BYTES, readPdf } from './objects.ts';

export function pdfFacts(bytes: Buffer): PdfFacts & { hiddenData: Array<{ object: string; data: Buffer }> } {
  const doc = readPdf(bytes);
  const links = linksOf(doc);
  const attachments = attachmentsOf(doc);
  const hidden = hiddenFiles(doc, attachments);
  return {
    header: doc.header,
    encrypted: doc.encrypted,
    decrypted: doc.decrypted,
    scripts: scriptsOf(doc, referrersOf(doc)),
    xfaScripts: xfaScripts(doc),
    xfa: [...doc.objects.values()].some((o) => /\/XFA\b/.test(o.dict)),
    formFields: [...doc.objects.values()].filter((o) => /\/FT\s*\/(Tx|Btn|Ch|Sig)\b/.test(o.dict)).length,
    launches: launchesOf(doc),
    links,
    linkSignals: linkSignals(links),
    imageOnly: imageOnly(doc) === true,
    reaching: reachingActions(doc),
    remoteFiles: remoteFileTargets(doc),
    automatic: automaticActions(doc),
    attachments,
    hidden: hidden.map(({ object, format }) => ({ object, format })),
    hiddenData: hidden,
    polyglot: polyglotOf(doc, attachments),
    peStub: hasPeStub(doc),
    headerOffset: doc.text.indexOf('%PDF-'),
    // Writers use one filter, two for images; stacks and repeats are there to defeat scanners.
    filterStacks: [...doc.objects.values()].filter((o) => o.filters.length >= 3 || new Set(o.filters).size < o.filters.length).length,
    bombs: doc.budget.bombs,
    decodedBytes: MAX_DECODED_BYTES - doc.budget.left,
    size: bytes.length,
    obfuscatedNames: doc.obfuscatedNames,
    jbig2: [...doc.objects.values()].filter((o) => o.filters.includes('JBIG2Decode')).length,
  };
}

export const pdfAnalyzer: Analyzer = {
  name: 'pdf',
  // Readers take a PDF whose header lies anywhere in the first KiB, so polyglots start with something else.
  accepts: (sample) => sample.bytes.subarray(0, 1024).includes('%PDF-') || /pdf/.test(`${sample.mime} ${sample.realMime}`),
  analyse(sample) {
    const { hiddenData, ...facts } = pdfFacts(sample.bytes);
    const payloads = [...facts.attachments, ...hiddenData.map((h) => ({ name: `hidden-${h.object.replace(' ', '-')}`, data: h.data }))];
    const children = writeChildren(payloads, sample.childrenDir);
    const details = {
      header: facts.header,
      encrypted: facts.encrypted,
      decrypted: facts.decrypted,
      scripts: facts.scripts.map((s) => ({ object: s.object, trigger: s.trigger, exploits: s.exploits, obfuscation: s.obfuscation, outbound: s.outbound, head: s.code.slice(0, 200) })),
      launches: facts.launches,
      links: facts.links.slice(0, 50).map((l) => l.uri),
      attachments: facts.attachments.map((a) => ({ object: a.object, name: a.name, size: a.data?.length ?? null })),
      hidden: facts.hidden,
      bombs: facts.bombs,
    };
    return { findings: pdfFindings(facts), details, children };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(pdfAnalyzer));
