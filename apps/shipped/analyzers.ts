/**
 * The type analyzers of the shipped app, in the order their findings are
 * listed. Each says by itself whether a file is its kind (by content first),
 * so a script Zeek called text/plain still reaches the script analyzer.
 */
import { apkAnalyzer } from '../apk/apk.ts';
import { createArchiveAnalyzer } from '../archive/archive.ts';
import { elfAnalyzer } from '../elf/elf.ts';
import { emailAnalyzer } from '../email/email.ts';
import type { Analyzer } from '../lib/analyzer.ts';
import { officeAnalyzer } from '../office/office.ts';
import { pdfAnalyzer } from '../pdf/pdf.ts';
import { peAnalyzer } from '../pe/pe.ts';
import { scriptAnalyzer } from '../script/script.ts';

export function typeAnalyzers(env: NodeJS.ProcessEnv = process.env): Analyzer[] {
  return [peAnalyzer, elfAnalyzer, officeAnalyzer, pdfAnalyzer, scriptAnalyzer, emailAnalyzer, apkAnalyzer, createArchiveAnalyzer(env)];
}
