/**
 * What a DLL's exports tell: stubs of a system DLL it stands in for
 * (side-loading), a hook procedure for another program to inject it with,
 * a service entry point hosted by svchost.
 */
import type { Indicator } from './indicator.ts';
import type { PeInfo } from './parse.ts';

/** Exports of the Windows DLLs that side-loading replaces most (uxtheme, version, winmm, dwmapi, dbghelp, wtsapi32, msimg32, cryptbase, winhttp). */
const SYSTEM_DLL_EXPORTS = /^(OpenThemeData|CloseThemeData|DrawTheme\w+|GetTheme\w+|BufferedPaint\w+|BeginBufferedPaint|BeginBufferedAnimation|IsThemeActive|GetFileVersionInfo(Size)?(Ex)?[AW]?|VerQueryValue[AW]?|timeGetTime|timeBeginPeriod|PlaySound[AW]?|waveOut\w+|Dwm(ExtendFrameIntoClientArea|IsCompositionEnabled|SetWindowAttribute|GetWindowAttribute)|MiniDumpWriteDump|Sym(Initialize|Cleanup|FromAddr)|WTS(QuerySessionInformation|EnumerateSessions|FreeMemory)[AW]?|AlphaBlend|GradientFill|TransparentBlt|SystemFunction03[26]|WinHttp(Open|Connect|SendRequest))$/;

export function exportIndicators(info: PeInfo): Indicator[] {
  if (!info.dll || info.dotnet) return [];
  const found: Indicator[] = [];
  const imports = Object.values(info.imports).flat();
  const functions = new Set(imports);
  const { count, names } = info.exports;
  if (count >= 30 && count >= 3 * imports.length) found.push({ rule: 'pe.exports.stubs', description: `exports ${count} functions (${count - names.length} by ordinal only) but imports ${imports.length}: stubs of a DLL it stands in for`, weight: 2 });
  const system = names.filter((n) => SYSTEM_DLL_EXPORTS.test(n));
  // The real system DLLs are signed by Microsoft; an unsigned one exporting their functions is planted for side-loading.
  if (system.length >= 3 && info.security.size === 0) found.push({ rule: 'pe.exports.system-dll', description: `an unsigned DLL exporting functions of a Windows system DLL (side-loading): ${system.slice(0, 5).join(', ')}`, weight: 2 });
  if (functions.has('CallNextHookEx') && ![...functions].some((f) => f.startsWith('SetWindowsHookEx'))) found.push({ rule: 'pe.exports.hook-procedure', description: 'a hook procedure (CallNextHookEx) that the DLL never installs itself: another program injects it into every process with SetWindowsHookEx', weight: 2 });
  if (names.includes('ServiceMain') && [...functions].some((f) => f.startsWith('RegisterServiceCtrlHandler'))) found.push({ rule: 'pe.exports.service-dll', description: 'a service DLL (ServiceMain) for svchost to host', weight: 1 });
  return found;
}
