/**
 * What a program can do, told by its imports, the API names it resolves at
 * run time (found among its strings or .NET identifiers) and its string
 * literals. Each capability is a technique, never one family's strings, and
 * needs `min` pieces of evidence; its weight feeds the file's score.
 */
import type { Indicator } from './indicator.ts';

/** An API name (matched with its A/W forms), names any one of which counts, or a pattern over the strings. */
type Evidence = string | string[] | RegExp;

interface Capability {
  id: string;
  description: string;
  weight: number;
  min: number;
  evidence: Evidence[];
  /** Evidence that suffices alone. */
  strong?: RegExp[];
  /** Only for .NET assemblies, whose identifiers name what native code would import. */
  dotnet?: boolean;
}

export interface Traits {
  /** Imported functions, .NET identifiers and every extracted string, for exact API-name lookups. */
  names: Set<string>;
  /** The strings joined by newlines, for patterns. */
  text: string;
  dotnet: boolean;
}

export const CAPABILITIES: Capability[] = [
  { id: 'injection', description: 'writes code into another process', weight: 3, min: 2, evidence: ['VirtualAllocEx', 'WriteProcessMemory', 'CreateRemoteThread', 'NtUnmapViewOfSection', 'ZwUnmapViewOfSection', 'QueueUserAPC', 'SetThreadContext', 'Wow64SetThreadContext', 'NtWriteVirtualMemory', 'RtlCreateUserThread', 'NtCreateThreadEx', 'VirtualProtectEx', 'NtMapViewOfSection', 'ZwMapViewOfSection', 'NtCreateSection', 'ZwCreateSection'] },
  { id: 'keylogger', description: 'watches the keyboard', weight: 3, min: 2, evidence: ['SetWindowsHookEx', 'GetAsyncKeyState', 'GetKeyboardState', 'RegisterRawInputDevices', /keylog/i, /\[(backspace|enter|tab|caps ?lock|esc|del|shift|ctrl)\]/i], strong: [/keylogg(er|ing)/i] },
  { id: 'credentials', description: 'reads stored credentials (LSASS, SAM, browser or mail password stores)', weight: 4, min: 2, evidence: ['CryptUnprotectData', 'PK11SDR_Decrypt', 'LsaRetrievePrivateData', 'CredEnumerate', 'SamIConnect', /\blsass(\.exe)?\b/i, /sekurlsa|mimikatz|wdigest/i, /\\(Login Data|Web Data)\b/, /signons\d?\.(txt|sqlite)|logins\.json|key[34]\.db/i, /wallet\.dat/i, /(pop3|imap|smtp|http) password/i, /encryptedPassword/, /recentservers\.xml|sitemanager\.xml/i, /\\SAM\b|\\SECURITY\\Policy\\Secrets/] },
  { id: 'anti-analysis', description: 'looks for virtual machines, sandboxes or analysis tools', weight: 2, min: 2, evidence: [/\bvmware(service|tray|user)?\b/i, /vbox(service|tray|guest|mouse|video|_)|virtualbox/i, /\bqemu\b/i, /sandboxie|SbieDll/i, /wireshark|procmon|processhacker|ollydbg|x64dbg|windbg|idaq|immunity debugger/i, /wine_get_unix_file_name/, /\bvmtoolsd|vmsrvc|vmusrvc|prl_tools|xenservice/i, /HARDWARE\\ACPI\\DSDT\\/, 'CheckRemoteDebuggerPresent', /COR_ENABLE_PROFILING|_ENABLE_PROFILING|COR_PROFILER/, /\bdnspy\b|de4dot|\bILSpy\b|dotpeek/i, /\bcuckoo\b|\bjoebox\b|anubis|threatexpert/i] },
  { id: 'persistence', description: 'makes itself start again (Run keys, services, tasks, Winlogon)', weight: 2, min: 1, evidence: [/CurrentVersion\\Run(Once|Services)?\b/i, /\\Winlogon\\?(\n|$)|Winlogon\\(Shell|Userinit)/i, /schtasks(\.exe)?\s+\/create/i, /Image File Execution Options/i, /\\Start Menu\\Programs\\Startup/i, /\\AppInit_DLLs/i] },
  { id: 'service-install', description: 'installs and starts a service', weight: 1, min: 2, evidence: ['CreateService', 'StartService', 'ChangeServiceConfig2'] },
  { id: 'ransom-note', description: 'ransom note wording', weight: 5, min: 2, evidence: [/(your|all) (personal |important )?(files|documents|data)[^\n]{0,40}(have been|are|were) (encrypted|locked)/i, /\bbitcoins?\b|\bBTC\b|\bmonero\b/i, /decrypt(ion|or)? (key|tool|software|program|service)/i, /\.onion\b/i, /tor ?browser/i, /private key[^\n]{0,60}(server|pay)/i, /(pay|payment)[^\n]{0,40}(ransom|bitcoin|decrypt)/i] },
  { id: 'backup-destruction', description: 'deletes shadow copies or disables recovery', weight: 5, min: 1, evidence: [/vssadmin(\.exe)?[^\n]{0,20}delete\s+shadows/i, /shadowcopy\s+delete/i, /wbadmin(\.exe)?[^\n]{0,20}delete\s+(catalog|systemstatebackup)/i, /bcdedit(\.exe)?[^\n]{0,40}(recoveryenabled\s+no|bootstatuspolicy\s+ignoreallfailures)/i] },
  { id: 'file-encryption', description: 'encrypts with CryptoAPI while walking the file system', weight: 2, min: 3, evidence: ['CryptEncrypt', 'CryptGenKey', 'CryptImportKey', 'BCryptEncrypt', 'FindFirstFile', 'FindNextFile'] },
  { id: 'irc-bot', description: 'IRC bot commands', weight: 4, min: 2, evidence: [/\bPRIVMSG\b/, /\bJOIN #|JOIN %s/, /\bNICK (%s|\w)/, /\bUSER %s|\bUSER \w+ \d \d? ?:|\b[\w.*]+ 8 \* :/, /\bPING :|\bPONG\b/, /\.(ddos|synflood|udpflood|download|update|visit|scan|login|logout)\b/i] },
  { id: 'mass-mailer', description: 'talks SMTP by itself (mass mailing)', weight: 4, min: 2, evidence: [/MAIL FROM:/i, /RCPT TO:/i, /\bHELO\b|\bEHLO\b/, /\bDATA\r?\n|^DATA$/m, /^begin 6[0-9]{2} /m, /Content-Transfer-Encoding: base64/i] },
  { id: 'ip-url', description: 'URLs to bare IP addresses', weight: 2, min: 1, evidence: [/\b(https?|ftp):\/\/\d{1,3}(\.\d{1,3}){3}\b/i] },
  { id: 'propagation', description: 'spreads over network shares or removable drives', weight: 3, min: 2, evidence: ['WNetOpenEnum', 'WNetEnumResource', 'NetShareEnum', 'NetServerEnum', 'WNetAddConnection2', /\\\\%s\\(ipc|admin|c)\$/i, /\b(ADMIN|IPC)\$/i, /autorun\.inf/i, /\[autorun\]/i, /open\s*=\s*\S+\.exe/i] },
  { id: 'webcam', description: 'captures from the webcam', weight: 3, min: 1, evidence: ['capGetDriverDescription', 'capCreateCaptureWindow'] },
  { id: 'screen-capture', description: 'captures the screen', weight: 1, min: 3, evidence: ['BitBlt', 'CreateCompatibleBitmap', 'GetDesktopWindow', 'CopyFromScreen', /screenshot|screen ?capture/i] },
  { id: 'shell-commands', description: 'runs shell commands of a dropper (cmd /c, self-deletion, firewall changes)', weight: 2, min: 1, evidence: [/cmd(\.exe)?"? \/[ck] /i, /ping(\.exe)? +(0|127\.0\.0\.1|localhost)[^\n]{0,20}(&|\|)[^\n]{0,10}del\b/i, /netsh(\.exe)? +(firewall|advfirewall)/i, /attrib(\.exe)? \+h/i, /icacls[^\n]{0,20}\/grant Everyone/i, /powershell[^\n]{0,40}-(enc|e|encodedcommand|w(indowstyle)? hidden)\b/i] },
  { id: 'disk-wiper', description: 'opens a raw disk (boot record overwrite)', weight: 3, min: 1, evidence: [/\\\\\.\\PhysicalDrive\d/i, /\\\\\.\\[A-Z]:?\n/] },
  { id: 'raw-network', description: 'raw sockets or packet crafting', weight: 2, min: 2, evidence: ['WSASocket', 'WSAIoctl', /SOCK_RAW|IPPROTO_RAW/, /\bSIO_RCVALL\b/] },
  { id: 'crash-system', description: 'crashes Windows on purpose (critical process, forced hard error)', weight: 3, min: 1, evidence: ['RtlSetProcessIsCritical', 'NtRaiseHardError', 'ZwRaiseHardError'] },
  { id: 'token-theft', description: 'steals or impersonates other users\' tokens', weight: 2, min: 2, evidence: ['DuplicateTokenEx', 'ImpersonateLoggedOnUser', 'CreateProcessAsUser', 'CreateProcessWithToken', 'SetThreadToken', 'PsReferencePrimaryToken', 'SeDebugPrivilege'] },
  { id: 'kernel-tampering', description: 'a driver that watches process starts and reaches into user processes (rootkit)', weight: 5, min: 4, evidence: ['PsSetLoadImageNotifyRoutine', 'PsSetCreateProcessNotifyRoutine', 'PsSetCreateThreadNotifyRoutine', 'KeStackAttachProcess', 'ZwAllocateVirtualMemory', 'ZwProtectVirtualMemory', 'MmGetSystemRoutineAddress', 'KeServiceDescriptorTable', 'KeInsertQueueApc', 'KeInitializeApc', 'PsLookupProcessByProcessId', 'ObOpenObjectByPointer', 'ZwQuerySystemInformation', 'CmRegisterCallback'] },
  { id: 'pe-loader', description: 'maps a program into memory by itself (RunPE, manual mapping)', weight: 5, min: 4, dotnet: true, evidence: ['VirtualAlloc', 'VirtualProtect', 'GetDelegateForFunctionPointer', /^IMAGE_NT_HEADERS(32|64)?$/m, /^IMAGE_SECTION_HEADER$/m, /^PAGE_EXECUTE_READWRITE$/m, /^(run_?pe|ManualMap|MemoryModule)$/im, 'NtUnmapViewOfSection', 'ZwUnmapViewOfSection', 'WriteProcessMemory', 'SetThreadContext', 'Wow64SetThreadContext'] },
  { id: 'resource-payload', description: 'takes a payload from its resources and decrypts or decompresses it', weight: 2, min: 5, evidence: ['FindResource', 'LoadResource', 'SizeofResource', 'CryptDecrypt', 'CryptImportKey', 'RtlDecompressBuffer'] },
  { id: 'shortcut-persistence', description: 'creates shortcuts through WScript.Shell (startup persistence)', weight: 2, min: 3, evidence: [/WScript\.Shell/i, /^CreateShortcut$/m, /^SpecialFolders$|\\Startup\\/m, /\.lnk$/m] },
  { id: 'miner', description: 'cryptocurrency mining', weight: 4, min: 1, evidence: [/stratum\+tcp:\/\//i, /\bxmrig\b|cryptonight|\bnicehash\b/i, /(^|\s)-o\s+[\w.-]+:\d{2,5}\s+-u\s+\S{20,}/m] },
  { id: 'dotnet-loader', description: '.NET code that loads assemblies from memory or decrypts payloads', weight: 1, min: 2, evidence: [/^Assembly$/m, /^Load$/m, /^FromBase64String$/m, /^CreateDecryptor$/m, /^Invoke(Member)?$/m] },
  { id: 'recon', description: 'surveys the host (processes, installed programs, drives, hardware, users)', weight: 2, min: 5, evidence: ['CreateToolhelp32Snapshot', /CurrentVersion\\Uninstall\b/i, 'GetComputerName', 'GetUserName', 'GetAdaptersInfo', /ProcessorNameString/, 'GetLogicalDrives', 'GlobalMemoryStatus', 'NetWkstaGetInfo', /\b(systeminfo|ipconfig \/all|tasklist|whoami|net (user|view|localgroup))\b/i] },
  { id: 'exfiltration', description: 'uploads files in a hand-built multipart HTTP form', weight: 2, min: 2, evidence: [/multipart\/form-data; ?boundary=/i, /Content-Disposition: form-data; name="[^"]*"; filename=/i, /^-{10,}[0-9a-f]{8,}$/im] },
  { id: 'proxy-execution', description: 'runs its payload through a signed Windows program (rundll32 by ordinal, regsvr32, mshta, certutil, bitsadmin)', weight: 2, min: 2, evidence: [/\brundll32(\.exe)?\b/i, /,#\d+\b/], strong: [/regsvr32[^\n]{0,30}\/i:https?:/i, /mshta(\.exe)?"?\s+"?(https?:|vbscript:|javascript:)/i, /certutil(\.exe)?[^\n]{0,20}-urlcache/i, /bitsadmin(\.exe)?[^\n]{0,20}\/transfer/i] },
  { id: 'self-debugging', description: 'debugs a process it starts (self-debugging unpackers, process tampering)', weight: 2, min: 4, evidence: ['DebugActiveProcess', 'WaitForDebugEvent', 'ContinueDebugEvent', 'GetThreadContext', 'SetThreadContext', 'ReadProcessMemory'] },
  { id: 'hidden-desktop', description: 'creates a desktop of its own to run programs unseen', weight: 2, min: 2, evidence: ['CreateDesktop', 'SetThreadDesktop', 'SwitchDesktop'] },
  { id: 'shell-unzip', description: 'extracts archives through the Shell object, without tools', weight: 2, min: 2, evidence: [/^Shell\.Application$/im, /^CopyHere$/m, /\.NameSpace\(/] },
  { id: 'drop-and-run', description: 'writes a program into a user or system folder and starts it', weight: 3, min: 5, dotnet: true, evidence: [['WriteAllBytes', 'Copy', 'Move'], ['GetFolderPath', 'SpecialFolder', 'GetTempPath'], ['Process', 'ProcessStartInfo'], ['Start'], /^\.exe$|\\[\w -]+\.exe$/im, ['GetManifestResourceStream', 'GetObject', 'CreateShortcut']] },
  { id: 'rat-config', description: 'settings of a remote-access builder (hosts, ports, mutex, install name)', weight: 2, min: 3, dotnet: true, evidence: [['Hosts', 'Host', 'HOST', 'hosts', 'host'], ['Ports', 'Port', 'PORT', 'ports', 'port'], ['MUTEX', 'Mutex', 'MTX', 'mutex'], ['Install', 'INSTALL', 'InstallFolder', 'InstallPath', 'StartupName', 'BDOS', 'Pastebin']] },
];

const hasApi = (names: Set<string>, api: string) => names.has(api) || names.has(`${api}A`) || names.has(`${api}W`) || names.has(`${api}ExA`) || names.has(`${api}ExW`);

export function capabilityIndicators(traits: Traits): Indicator[] {
  const found: Indicator[] = [];
  for (const capability of CAPABILITIES) {
    if (capability.dotnet && !traits.dotnet) continue;
    const strong = capability.strong?.map((e) => e.exec(traits.text)).find((match) => match !== null);
    if (strong) {
      found.push({ rule: `pe.capability.${capability.id}`, description: `${capability.description}: ${JSON.stringify(strong[0].trim().slice(0, 60))}`, weight: capability.weight });
      continue;
    }
    const hits = capability.evidence.flatMap((e) => {
      if (typeof e === 'string') return hasApi(traits.names, e) ? [e] : [];
      if (Array.isArray(e)) return e.filter((name) => traits.names.has(name)).slice(0, 1);
      const match = e.exec(traits.text);
      return match ? [JSON.stringify(match[0].trim().slice(0, 60))] : [];
    });
    if (hits.length >= capability.min) found.push({ rule: `pe.capability.${capability.id}`, description: `${capability.description}: ${hits.join(', ')}`, weight: capability.weight });
  }
  return found;
}
