/**
 * Decoy imports: crypter stubs pad their import table with functions picked
 * from a DLL's export list, so that the stub looks like ordinary software.
 * A compiler only imports what the code calls, and code that calls a
 * closing function also calls the one that opened what it closes; an import
 * table with closers but no openers, or with functions no application calls
 * (printer-driver engine callbacks, IME internals), was padded by hand.
 */

/** A function useless alone (a closer, a follow-up, an opener of a handle nothing uses) and the functions one of which it needs. */
const PAIRS: [RegExp, RegExp][] = [
  [/^FindCloseUrlCache$/, /^FindFirstUrlCacheEntry/],
  [/^ClosePrinter$/, /^(OpenPrinter|AddPrinter)/],
  [/^Find(Next|Close)PrinterChangeNotification$/, /^FindFirstPrinterChangeNotification/],
  [/^(EndPage|EndDoc|AbortDoc)$/, /^StartDoc/],
  [/^(AbortPath|EndPath|CloseFigure|WidenPath|FlattenPath|PathToRegion|StrokePath|FillPath)$/, /^BeginPath$/],
  [/^FindNextFile[AW]?$/, /^FindFirstFile/],
  [/^Find(NextVolume|VolumeClose)[AW]?$/, /^FindFirstVolume[AW]?$/],
  [/^Find(NextVolumeMountPoint|VolumeMountPointClose)[AW]?$/, /^FindFirstVolumeMountPoint/],
  [/^UnhookWindowsHookEx$/, /^SetWindowsHookEx/],
  [/^CryptReleaseContext$/, /^CryptAcquireContext/],
  [/^CloseDesktop$/, /^(CreateDesktop|OpenDesktop|OpenInputDesktop|GetThreadDesktop)/],
  [/^CloseWindowStation$/, /^(CreateWindowStation|OpenWindowStation|GetProcessWindowStation)/],
  [/^UnregisterDeviceNotification$/, /^RegisterDeviceNotification/],
  [/^(DdeGetLastError|DdeQueryString[AW]?|DdeUninitialize)$/, /^DdeInitialize/],
  [/^CloseClipboard$/, /^OpenClipboard$/],
  [/^UnmapViewOfFile$/, /^MapViewOfFile/],
  [/^EndPaint$/, /^BeginPaint$/],
  [/^DestroyAcceleratorTable$/, /^(CreateAcceleratorTable|LoadAccelerators)/],
  [/^ReleaseMutex$/, /^(CreateMutex|OpenMutex)/],
  [/^(DeregisterEventSource|ReportEvent[AW]?)$/, /^RegisterEventSource/],
  [/^(EndMenu|GetMenuCheckMarkDimensions)$/, /^(CreateMenu|CreatePopupMenu|LoadMenu|GetMenu|GetSystemMenu|TrackPopupMenu)/],
  [/^ContinueDebugEvent$/, /^WaitForDebugEvent/],
  [/^UnlockFile(Ex)?$/, /^LockFile/],
  [/^RemoveFontMemResourceEx$/, /^AddFontMemResourceEx$/],
  [/^OpenSCManager[AW]?$/, /^(OpenService|CreateService|EnumServicesStatus|LockServiceDatabase)/],
  [/^SetAclInformation$/, /^(InitializeAcl|GetAclInformation|SetEntriesInAcl|AddAce|AddAccess)/],
];

/** Functions only printer and display drivers, the IME framework or the system itself call. */
const NEVER_CALLED = /^(Eng[A-Z]\w+|(BRUSHOBJ|CLIPOBJ|FONTOBJ|PATHOBJ|STROBJ|XLATEOBJ|XFORMOBJ)_\w+|HT_Get8BPP\w+|Gdi(SwapBuffers|StartPageEMF|StartDocEMF|EndPageEMF|EndDocEMF|QueryTable|CleanCacheDC|ConvertBitmap|ConvertDC|ConvertFont|ConvertRegion|PlayDCScript|PlayJournal|PlayScript|SetAttrs|ValidateHandle|DeleteLocalDC|GetLocalBrush|GetLocalDC|GetLocalFont|GetSpoolFileHandle|GetPageHandle|GetPageCount|PlayPageEMF|PlayEMF|ResetDCEMF|InitSpool|DllInitialize|ProcessSetup|IsMetaFileDC|IsMetaPrintDC|IsPlayMetafileDC)|IMP(Get|Query|Set)IME[AW]?|SendIMEMessageEx[AW]?|WINNLS\w+|AreA(ny|ll)AccessesGranted|GetSystemRegistryQuota|GetConsoleAlias(Exes|es)?Length[AW]?|GetConsoleAliasExes[AW]?|PlayMetaFileRecord|SetMetaRgn|GetMetaRgn|DrawStateA|GetKBCodePage|OemKeyScan)$/;

/** Decoy imports found, described, or an empty list. */
export function decoyImports(functions: Set<string>): string[] {
  const names = [...functions];
  const orphans = PAIRS.flatMap(([closer, opener]) => {
    const closers = names.filter((f) => closer.test(f));
    return closers.length > 0 && !names.some((f) => opener.test(f)) ? closers : [];
  });
  return [...new Set([...orphans, ...names.filter((f) => NEVER_CALLED.test(f))])];
}
