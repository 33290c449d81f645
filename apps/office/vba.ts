/**
 * What a VBA project's source does, as weighted signals: whether it runs by
 * itself (an auto-exec procedure, not a mere mention of the name), whether it
 * starts programs, downloads, drops files or injects code, and how hard it
 * hides its strings. Benign macros call Windows APIs and Chr() too, so each
 * of these is weighed, never decisive alone except auto-exec.
 */
import type { Signal } from './signals.ts';

/** Procedures Office runs without a click: document/workbook events and legacy Auto* macros, plus ActiveX events that fire on load. */
const AUTO_EXEC = /^[ \t]*(?:(?:Public|Private)[ \t]+)?Sub[ \t]+(Auto_?Open|Auto_?Exec|Auto_?Close|Auto_?New|Document_Open|Document_Close|Document_New|Document_ContentControlOnEnter|Workbook_Open|Workbook_Activate|\w+_Layout|\w+_Painted|\w+_Resize|\w+_GotFocus|\w+_MouseMove)[ \t]*\(/gim;

interface Technique {
  rule: string;
  weight: number;
  what: string;
  pattern: RegExp;
}

const TECHNIQUES: Technique[] = [
  { rule: 'office.macro.execute', weight: 4, what: 'starts programs', pattern: /\bShell[ \t]*[("]|\bShell[ \t]+(?!As\b)[A-Za-z_]\w*[ \t]*(?:[&,\r\n]|$)|WScript\.Shell|Shell\.Application|ShellExecute|Win32_Process|(?<!Application)\.(?:Run|Exec)\b[ \t(]+[\w\"]|\bMacScript\b|\bpowershell\b|cmd(?:\.exe)?["' ]+\/[ck]|\bmshta\b|\brundll32\b|\bregsvr32\b|\bcscript\b|\bwscript(?:\.exe)?\b|\bcertutil\b|\bbitsadmin\b/im },
  { rule: 'office.macro.download', weight: 4, what: 'downloads', pattern: /URLDownloadToFile|XMLHTTP|WinHttp|Net\.WebClient|InternetOpen(?:Url)?A?\b|DownloadFile|DownloadString|\.responseBody/i },
  { rule: 'office.macro.inject', weight: 5, what: 'runs code in memory', pattern: /\b(?:VirtualAlloc(?:Ex)?|VirtualProtect|WriteProcessMemory|CreateRemoteThread|CreateThread|NtAllocateVirtualMemory|QueueUserAPC|EnumSystemCodePagesW?|EnumWindows|CallWindowProc[AW]?|SetWindowsHookEx)\b/i },
  { rule: 'office.macro.drop', weight: 2, what: 'writes files', pattern: /ADODB\.Stream|SaveToFile|CreateTextFile|Open[ \t]+\S.*For[ \t]+(?:Binary|Output)[ \t]+(?:Access[ \t]+Write[ \t]+)?As|\bKill\b[ \t]+\S|\bFileCopy\b/i },
  { rule: 'office.macro.environment', weight: 1, what: 'reads the environment or temp paths', pattern: /Environ\$?[ \t]*\(|GetSpecialFolder|%(?:TEMP|APPDATA|PUBLIC|USERPROFILE)%|\\AppData\\|\\Temp\\|ExpandEnvironmentStrings/i },
  { rule: 'office.macro.late-call', weight: 1, what: 'calls by name at run time', pattern: /CallByName|ExecuteExcel4Macro|Application\.Run[ \t]*\(?[ \t]*[a-z(]|\bGetObject[ \t]*\([ \t]*["a-z]/i },
  { rule: 'office.macro.dynamic-object', weight: 2, what: 'creates objects whose class it computes', pattern: /CreateObject[ \t]*\([ \t]*(?!["\s])[^)]/i },
  { rule: 'office.macro.hidden-strings', weight: 2, what: 'reads its strings from controls or document properties', pattern: /\.(?:Caption|ControlTipText|Tag|GroupName)\b[^\r\n]*\+[^\r\n]*\.(?:Caption|ControlTipText|Tag|GroupName)\b|BuiltInDocumentProperties|CustomDocumentProperties|ActiveDocument\.Variables|\.Shapes\([^)]*\)\.(?:AlternativeText|Title)/i },
  { rule: 'office.macro.hide-sheet', weight: 2, what: 'makes sheets very hidden', pattern: /xlSheetVeryHidden|\.Visible[ \t]*=[ \t]*2\b/i },
];

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

/** Obfuscation: strings built from many Chr() calls, reversed, Base64, or glued from many small pieces. */
function obfuscation(text: string): string[] {
  const found: string[] = [];
  const chr = count(text, /\bChrW?\$?[ \t]*\(/gi);
  if (chr >= 30) found.push(`${chr} Chr() calls`);
  if (/\bStrReverse\b/i.test(text)) found.push('StrReverse');
  if (/FromBase64String|base64Binary|"[A-Za-z0-9+/]{200,}={0,2}"/i.test(text)) found.push('Base64');
  const pieces = count(text, /"[^"\r\n]{1,12}"[ \t]*[&+][ \t]*(?:_[ \t]*\r?\n[ \t]*)?"/g);
  if (pieces >= 40) found.push(`${pieces} short string pieces glued together`);
  const noise = count(text, /\b(?:Rnd|Cos|Sin|Tan|Log|Sqr|Atn|Exp)[ \t]*\(/gi);
  if (noise >= 20) found.push(`${noise} calls of math functions as junk code`);
  if (/Chr[W$]?[ \t]*\([ \t]*(?:CInt|CLng|Val|Asc[W]?)[ \t]*\((?:[^()]|\([^()]*\))*\)[ \t]*(?:[-+*\/]|Xor)/i.test(text)) found.push('a character decoding loop');
  const longLines = text.split('\n').filter((line) => line.length > 1000).length;
  if (longLines >= 3) found.push(`${longLines} lines over 1000 characters`);
  return found;
}

export function vbaSignals(sources: string[]): Signal[] {
  if (sources.length === 0) return [];
  // Comments carry URLs and API names in benign code: judge the code only.
  const code = sources.join('\n').replace(/^[ \t]*(?:'|Rem\b).*$/gim, '');
  const signals: Signal[] = [];
  const auto = [...new Set([...code.matchAll(AUTO_EXEC)].map((m) => m[1]!))];
  if (auto.length > 0) signals.push({ rule: 'office.macro.auto-exec', weight: 6, group: 'auto-exec', description: `macro runs by itself: ${auto.join(', ')}` });
  for (const t of TECHNIQUES) {
    const match = t.pattern.exec(code);
    if (match) signals.push({ rule: t.rule, weight: t.weight, description: `macro ${t.what}: ${match[0].trim().slice(0, 60)}` });
  }
  const hidden = obfuscation(code);
  if (hidden.length > 0) signals.push({ rule: 'office.macro.obfuscated', weight: Math.min(4, 2 * hidden.length), description: `macro hides its strings: ${hidden.join(', ')}` });
  return signals;
}
