/**
 * What the import table tells beyond single capabilities: imports resolved at
 * run time instead of linked, tables padded with decoys, and imports too
 * inert for the program to do anything by them.
 */
import { decoyImports } from './decoys.ts';
import type { Indicator } from './indicator.ts';
import type { PeInfo } from './parse.ts';
import { packerNames } from './structure.ts';

/** Libraries whose import by a packed file shows what the hidden code does. */
const NETWORK_LIBRARIES = /^(ws2_32|wsock32|wininet|winhttp|urlmon|netapi32|mpr|iphlpapi|dnsapi)\.dll$/;

/** Runtime libraries a compiler links whatever the program does; one or two imports from them say nothing. */
const RUNTIME_LIBRARIES = /^(kernel32|ntdll|msvcr\w*|msvcp\w*|vcruntime\w*|ucrtbase\w*|api-ms-win-\S*|mscoree|crtdll)\.dll$/;

/** Functions through which a program acts on the system: files, processes, memory, modules, resources, registry, crypto, network. */
const ACTING = /^(CreateFile|WriteFile|ReadFile|CopyFile|MoveFile|DeleteFile|CreateProcess|WinExec|ShellExecute|Virtual|HeapAlloc|LocalAlloc|GlobalAlloc|malloc|calloc|LoadLibrary|GetProcAddress|GetModuleHandle|LdrLoadDll|LdrGetProcedureAddress|Reg|Nt|Zw|Internet|WinHttp|URLDownload|socket|connect|WSA|fopen|_wfopen|CreateThread|OpenProcess|CreateService|OpenSCManager|FindResource|LoadResource|Crypt|#)/;

/** What the C runtime's startup code imports, plus the loader functions to resolve everything else. */
const CRT_AND_LOADER = /^(ExitProcess|GetProcAddress|LoadLibrary[AW]|GetModuleHandle[AW]|GetModuleFileName[AW]|GetTickCount|Heap\w+|GetStartupInfo[AW]|GetCommandLine[AW]|GetVersion(Ex[AW])?|VirtualFree|VirtualAlloc|TerminateProcess|GetCurrentProcess(Id)?|GetCurrentThreadId|UnhandledExceptionFilter|SetUnhandledExceptionFilter|(Free)?EnvironmentStrings[AW]?|GetEnvironmentStrings[AW]?|FreeEnvironmentStrings[AW]|WideCharToMultiByte|MultiByteToWideChar|SetHandleCount|GetStdHandle|GetFileType|RtlUnwind|WriteFile|GetCPInfo|GetACP|GetOEMCP|LCMapString[AW]|GetStringType[AW]|GetLastError|SetLastError|Tls\w+|Interlocked\w+|\w*CriticalSection\w*|QueryPerformanceCounter|GetSystemTimeAsFileTime|IsDebuggerPresent|IsProcessorFeaturePresent|EncodePointer|DecodePointer|RaiseException|IsValidCodePage|SetStdHandle|FlushFileBuffers|CloseHandle|Sleep|SetFilePointer|GetConsole\w+|WriteConsole[AW])$/;

export function importIndicators(info: PeInfo, strings: Set<string>, now: number): Indicator[] {
  const found: Indicator[] = [];
  const functions = new Set(Object.values(info.imports).flat());
  if (!info.dotnet && functions.size > 0 && functions.size <= 8 && functions.has('GetProcAddress') && [...functions].some((f) => f.startsWith('LoadLibrary'))) {
    found.push({ rule: 'pe.imports.minimal', description: `only ${functions.size} imports, with LoadLibrary and GetProcAddress: imports resolved at run time, as packers do`, weight: 1 });
  }
  const hiddenLibraries = [...strings].filter((s) => NETWORK_LIBRARIES.test(s.toLowerCase()) && !(s.toLowerCase() in info.imports));
  const netImports = Object.keys(info.imports).filter((dll) => NETWORK_LIBRARIES.test(dll));
  const packed = packerNames(info).length > 0;
  if (netImports.length > 0 && (packed || functions.size <= 12)) found.push({ rule: 'pe.imports.packed-network', description: `a packed or nearly import-less program that still links network libraries: ${netImports.join(', ')}`, weight: 2 });
  if (hiddenLibraries.length >= 2) found.push({ rule: 'pe.imports.hidden-network', description: `network libraries named in strings but not imported (loaded at run time): ${[...new Set(hiddenLibraries)].join(', ')}`, weight: 1 });
  const hiddenNative = [...strings].filter((s) => /^(Nt|Zw)[A-Z][A-Za-z]{3,40}$/.test(s) && !functions.has(s));
  if (hiddenNative.length >= 3) found.push({ rule: 'pe.imports.hidden-native', description: `native API names resolved at run time, for direct calls or hooks: ${hiddenNative.slice(0, 6).join(', ')}`, weight: 2 });
  if (!info.dotnet && !packed) found.push(...paddingIndicators(info, functions));
  // .NET's deterministic builds put a hash in the timestamp, so it says nothing there.
  if (!info.dotnet && info.timestamp === 0) found.push({ rule: 'pe.timestamp.zero', description: 'compile time wiped (zero), as packers and hand-built stubs leave it', weight: 1 });
  if (!info.dotnet && info.timestamp > now + 86_400) found.push({ rule: 'pe.timestamp.future', description: `compile time ${new Date(info.timestamp * 1000).toISOString()} is in the future`, weight: 1 });
  // Malware is signed too (stolen certificates), so a signature only informs.
  if (info.security.size > 0) found.push({ rule: 'pe.signed', description: 'carries an Authenticode signature (not verified)', weight: 0 });
  return found;
}

/** Import tables of crypter stubs: decoys, one function from each of many libraries, or nothing the program could act with. */
function paddingIndicators(info: PeInfo, functions: Set<string>): Indicator[] {
  const found: Indicator[] = [];
  const decoys = decoyImports(functions);
  if (decoys.length >= 3) found.push({ rule: 'pe.imports.decoy', description: `imports no program calls like this (closers without openers, driver and IME internals), padding of a crypter stub: ${decoys.slice(0, 8).join(', ')}`, weight: decoys.length >= 10 ? 5 : 2 });
  const thin = Object.entries(info.imports).filter(([dll, names]) => names.length <= 2 && !RUNTIME_LIBRARIES.test(dll)).map(([dll]) => dll);
  if (thin.length >= 5 && decoys.length >= 1) found.push({ rule: 'pe.imports.scattered', description: `one or two functions from each of ${thin.length} libraries (${thin.join(', ')}), with decoys among them: an import table made to look ordinary`, weight: 2 });
  const driver = info.subsystem === 1;
  if (!driver && functions.size >= 3 && ![...functions].some((f) => ACTING.test(f))) found.push({ rule: 'pe.imports.inert', description: `none of its ${functions.size} imports can touch files, processes, memory or the network: it finds its functions by itself`, weight: 2 });
  else if (!driver && functions.size >= 15 && functions.has('GetProcAddress') && [...functions].every((f) => CRT_AND_LOADER.test(f))) found.push({ rule: 'pe.imports.runtime-only', description: `its ${functions.size} imports are the C runtime's and GetProcAddress: every function of its own is resolved at run time`, weight: 2 });
  return found;
}
