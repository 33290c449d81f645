/**
 * Behaviour indicators of scripts, language-agnostic where the technique is
 * (a Run key is a Run key in VBScript, batch or PowerShell). Each is weak on
 * its own: `techniques.ts` combines them into findings. Weights feed the
 * combined suspicion score for what no single technique covers.
 */

export type Tag = 'download' | 'execute' | 'persist' | 'evade' | 'destroy' | 'self' | 'worm' | 'inject' | 'drop' | 'lolbin' | 'network' | 'launch' | 'decode' | 'recon' | 'credential' | 'miner';

export interface Indicator {
  id: string;
  tag: Tag;
  /** 1 (common in admin scripts) to 5 (rare outside malware). */
  weight: number;
  description: string;
  /** Every pattern must match somewhere in the text. */
  all: RegExp[];
}

const i = (id: string, tag: Tag, weight: number, description: string, ...all: RegExp[]): Indicator => ({ id, tag, weight, description, all });

const USER_WRITABLE = String.raw`(?:%(?:APPDATA|LOCALAPPDATA|TEMP|TMP|PUBLIC|ProgramData|USERPROFILE)%|\$env:(?:APPDATA|LOCALAPPDATA|TEMP|TMP|PUBLIC|ProgramData)|\\Users\\Public\\|\\AppData\\|\\ProgramData\\|\\Temp\\|/tmp/|/dev/shm/|/var/tmp/)`;
const RUNNABLE = String.raw`\.(?:exe|scr|pif|com|dll|ps1|vbs|vbe|js|jse|wsf|bat|cmd|hta|jar|lnk)\b`;

export const INDICATORS: Indicator[] = [
  i('download.webclient', 'download', 3, 'downloads with Net.WebClient', /\b(?:Net\.WebClient|\.Download(?:File|String|Data)(?:Async)?\s*\(|\.OpenRead\s*\()/i),
  i('download.xmlhttp', 'download', 3, 'fetches over HTTP with an XMLHTTP/WinHttp object', /\b(?:MSXML2\.(?:Server)?XMLHTTP|Microsoft\.XMLHTTP|WinHttp\.WinHttpRequest)/i),
  i('download.web-request', 'download', 1, 'fetches with Invoke-WebRequest/RestMethod or BITS', /\b(?:Invoke-WebRequest|Invoke-RestMethod|iwr|irm|Start-BitsTransfer)\b/i),
  i('download.cli', 'download', 1, 'fetches with curl/wget', /\b(?:curl|wget)\s+[^\n|;]{0,200}(?:https?|ftp):\/\//i),
  i('execute.iex', 'execute', 4, 'runs a string as PowerShell (Invoke-Expression/IEX)', /(?:\bInvoke-Expression\b|(?<![\w-])iex\b\s*[($'"]|\|\s*iex\b|\.InvokeScript\s*\()/i),
  i('execute.eval', 'execute', 2, 'evaluates a string as code (eval/Execute/ExecuteGlobal/new Function)', /(?<![.\w$])(?:eval|Execute|ExecuteGlobal)\s*\(\s*(?!["'][^"'\n]{0,60}["']\s*\))|\bnew\s+Function\s*\(|window\s*\.\s*eval\b/i),
  // `.run(`/`.exec(` are everyday JavaScript (RegExp.exec): they count only beside a process-starting object.
  i('execute.shell', 'execute', 2, 'starts programs (WScript.Shell Run/Exec, ShellExecute, Start-Process)', /WScript\.Shell|Shell\.Application|\bStart-Process\b|Diagnostics\.Process|\bProcess\.Start\s*\(|\bShellExecute/i, /\.Run\b|\.Exec\s*\(|ShellExecute|Start-Process|::Start\s*\(|Process\.Start\s*\(/i),
  i('execute.decoded', 'execute', 4, 'runs what it just decoded (eval(atob(…)), IEX of FromBase64String, Execute(decode(…)))', /(?<![.\w$])(?:eval|assert|execScript|Execute|ExecuteGlobal|(?:new\s+)?Function)\s*\(\s*(?:window\.|[\w]+\.)?(?:atob|unescape|decodeURIComponent|String\.fromCharCode|\w*(?:decode|hex2|b64|base64|deobf|decrypt|inflate|uncompress|decompress|unhexlify|rot13|strrev|loads)\w*)\s*\(|(?<![.\w$])exec\s*\(\s*(?:base64\.b64decode|zlib\.decompress|marshal\.loads|codecs\.decode|bytes\.fromhex)\s*\(|(?:\bIEX\b|Invoke-Expression)[^\n]{0,200}FromBase64String|FromBase64String[^\n]{0,400}\|\s*(?:IEX|Invoke-Expression)\b/i),
  i('execute.pipe-to-shell', 'execute', 2, 'pipes downloaded text into a shell', /\b(?:curl|wget)\b[^\n]{0,200}\|\s*(?:sudo\s+)?(?:ba|da|z)?sh\b/i),
  i('execute.chmod-run', 'execute', 3, 'marks a fetched file executable and runs it', /\bchmod\s+(?:\+x|[0-7]?[75][0-7][0-7]|a\+x)\s+["']?\S+/i, /\b(?:curl|wget|tftp|ftpget)\b|\/dev\/tcp\//),
  i('persist.run-key', 'persist', 4, 'writes a Run/RunOnce registry key', /\\CurrentVersion\\Run(?:Once|Services(?:Once)?)?\b/i, /\b(?:RegWrite|reg(?:\.exe)?\s+add|New-ItemProperty|Set-ItemProperty|SetStringValue|regcreate|WriteReg|CreateReg)\b/i),
  i('persist.startup-folder', 'persist', 4, 'writes into the Startup folder', /Start\s*Menu\\Programs\\Startup|\\Startup\\|shell:startup|SpecialFolders\(\s*["']Startup/i),
  i('persist.scheduled-task', 'persist', 3, 'creates a scheduled task', /\bschtasks(?:\.exe)?\s+\/create\b|\bRegister-ScheduledTask\b|\bat\s+\d{1,2}:\d{2}\s/i),
  i('persist.ssh-key', 'persist', 4, 'adds an SSH authorized key', /(?:>>?|tee\s+-a)\s*["']?(?:~|\$HOME|\/root|\/home\/[\w.-]+)\/\.ssh\/authorized_keys/),
  i('persist.cron', 'persist', 3, 'edits crontab', /\bcrontab\s+(?:-\w\s+)*(?:-|["'$\w/])|\/etc\/crontab|\/var\/spool\/cron|\/etc\/cron\.d\//),
  i('persist.boot-script', 'persist', 3, 'edits boot or login scripts (rc.local, init.d, autorun, shell profile)', /(?:>>?|sed\s+-i|cp|tee|echo)[^\n]{0,120}(?:\/etc\/rc\.local|\/etc\/init\.d\/|autorun\.(?:sh|inf)|\.bashrc|\.bash_profile|\/etc\/profile)|autorun\.sh/),
  i('persist.file-association', 'persist', 4, 'hijacks a file-type open command', /\\shell\\open\\command/i, /\b(?:RegWrite|reg(?:\.exe)?\s+add|WriteReg|regcreate|Set-ItemProperty)\b/i),
  i('persist.winlogon', 'persist', 5, 'hooks Winlogon, IFEO debugger or AppInit_DLLs', /Winlogon\\(?:Shell|Userinit)|Image File Execution Options\\|AppInit_DLLs/i),
  i('self.reference', 'self', 1, 'reads its own path', /\bWScript\.ScriptFullName\b|\$MyInvocation\.MyCommand\.(?:Path|Definition)|\bdocument\.location\b/i),
  i('self.copy', 'self', 4, 'copies or rewrites itself elsewhere', /(?:\bScriptFullName\b[^\n]{0,80}|\bOpenTextFile\s*\(\s*WScript\.ScriptFullName[\s\S]{0,200}ReadAll[\s\S]{0,400})(?:\.Copy(?:File)?\b|\bCopyFile\b)|\.Copy\s*\(?[^\n]{0,40}(?:dirsystem|dirwin|GetSpecialFolder|Windows|System)|(?:x?copy)\s+(?:\/\w\s+)*"?%~?f?0"?\s/i, /\bScriptFullName\b|%~?f?0\b|\$MyInvocation/i),
  i('self.delete', 'self', 3, 'deletes itself', /DeleteFile\s*\(?\s*WScript\.ScriptFullName|\bdel\s+(?:\/\w\s+)*"?%~?f?0|Remove-Item\b[^\n]{0,60}\$MyInvocation|\brm\s+(?:-\w+\s+)*"?\$0\b/i),
  i('worm.mass-mail', 'worm', 5, 'mails itself to the address book (Outlook/MAPI address lists plus attachments)', /Outlook\.Application/i, /\b(?:AddressLists|AddressEntries|GetDefaultFolder|Contacts)\b/i, /\bAttachments\.Add\b/i),
  i('worm.irc-p2p', 'worm', 4, 'spreads through mIRC scripts or P2P shared folders', /\bmirc\b[^\n]{0,80}script\.ini|\bdcc\s+send\b|\\(?:KaZaA|Kazaa Lite|Morpheus|Grokster|LimeWire|eDonkey2000|BearShare)\\/i),
  i('worm.network-drives', 'worm', 3, 'copies onto network or removable drives', /\bEnumNetworkDrives\b|\.DriveType\s*=\s*(?:1|3)\b[\s\S]{0,300}\.Copy|autorun\.inf/i),
  i('worm.infect-files', 'worm', 3, 'walks folders and overwrites files', /\.SubFolders\b/i, /\.Files\b/i, /(?:OpenTextFile\s*\([^)]*,\s*2|CreateTextFile)\b/i, /\bScriptFullName\b/i),
  i('evade.security-off', 'evade', 5, 'stops or disables security tools, firewall or updates', /\bnet\s+stop\s+"?(?:WinDefend|security\s*center|sharedaccess|wscsvc|MpsSvc|wuauserv|SDRSVC)|\bsc(?:\.exe)?\s+(?:stop|config)\s+(?:WinDefend|wscsvc|MpsSvc)|Set-MpPreference\s+-Disable|Add-MpPreference\s+-Exclusion|DisableAntiSpyware|DisableRealtimeMonitoring|netsh\s+(?:advfirewall\s+set\s+\w+\s+state\s+off|firewall\s+set\s+opmode\s+(?:mode=)?disable)|taskkill\b[^\n]{0,40}(?:MSASCui|msmpeng|avp\.exe|mcshield|egui|ekrn|avgnt)|setenforce\s+0|ufw\s+disable|iptables\s+-F/i),
  i('evade.recovery-off', 'evade', 5, 'deletes shadow copies or backups', /vssadmin(?:\.exe)?[^\n]{0,20}delete\s+shadows|Win32_Shadow[Cc]opy[^\n]{0,80}\.Delete|shadowcopy\s+delete|bcdedit[^\n]{0,40}recoveryenabled\s+no|wbadmin\s+delete/i),
  i('evade.amsi', 'evade', 5, 'bypasses AMSI', /AmsiUtils|amsiInitFailed|AmsiScanBuffer|amsi\.dll/i),
  i('evade.hide', 'evade', 3, 'hides files or locks out tools (hidden-file settings, DisableTaskMgr/Registry tools)', /ShowSuperHidden|Hidden\\SHOWALL|NoFolderOptions|DisableTaskMgr|DisableRegistryTools|DisableCMD|\battrib\s+\+[hs]\s+\+[hs]/i),
  i('evade.wsh-timeout', 'evade', 3, 'disables the Windows Script Host timeout', /Windows Scripting Host\\Settings\\Timeout/i),
  i('evade.hosts', 'evade', 3, 'edits the hosts file', /(?:\/etc\/hosts|\\drivers\\etc\\hosts)/i, /(?:sed\s+-i|>>|OpenTextFile|Add-Content|Set-Content)[^\n]{0,120}hosts|hosts[^\n]{0,40}(?:sed\s+-i|>>)/i),
  i('evade.logs', 'evade', 4, 'clears logs or shell history', /\bwevtutil(?:\.exe)?\s+cl\b|Clear-EventLog|\bhistory\s+-c\b|unset\s+HISTFILE|HISTFILE=\/dev\/null|rm\s+[^\n]{0,20}\.bash_history/i),
  i('evade.exec-policy', 'evade', 2, 'starts PowerShell with its execution policy bypassed', /powershell(?:\.exe)?[^\n]{0,80}\s-(?:ExecutionPolicy|exec|ex|ep)\s+bypass/i),
  i('evade.insecure-tls', 'evade', 1, 'turns certificate checks off', /\bcurl\b[^\n]{0,80}\s(?:-k|--insecure)\b|--no-check-certificate|ServerCertificateValidationCallback\s*=\s*\{\s*\$true\s*\}/i),
  i('destroy.system', 'destroy', 5, 'deletes or overwrites system files or disks', /(?:\bdel|\berase)\s+(?:\/\w\s+)*"?%(?:systemroot|windir|systemdrive)%\\[^\n]{0,30}(?:system32|\*)|\bhal\.dll\b|\bformat\s+[c-z]:|\brd\s+\/s\s+\/q\s+"?[c-z]:\\"?\s|\brm\s+-rf\s+(?:--no-preserve-root\s+)?\/\*?(?:\s|$)|\\\\\.\\PhysicalDrive0|\bdd\s+if=\/dev\/(?:zero|urandom)\s+of=\/dev\/[sh]d[a-z]\b/im),
  i('destroy.mass-delete', 'destroy', 4, 'walks the disk deleting files', /\.SubFolders\b|\bDrives\b/i, /(?:GetFile\([^)]*\)|\.item\(\)|\bfile\b|\bf)\.Delete\b|DeleteFile\s*\(|\bdel\s+\/[fsq]\s+\/[fsq]/i),
  i('destroy.lockout', 'destroy', 4, 'tampers with logon, keyboard or boot settings', /legalnoticetext|Keyboard Layout[^\n]{0,20}Scancode Map|SafeBoot\\AlternateShell|\bbcdedit\b[^\n]{0,40}\/delete|\bNoDesktop\b|\bNoRun\b/i),
  i('inject.api', 'inject', 4, 'calls memory and thread APIs from script (VirtualAlloc, GetDelegateForFunctionPointer, CreateThread)', /\b(?:VirtualAlloc(?:Ex)?|VirtualProtect|WriteProcessMemory|CreateRemoteThread|CreateThread|RtlMoveMemory|GetDelegateForFunctionPointer|NtAllocateVirtualMemory)\b/),
  i('inject.reflective-load', 'inject', 4, 'loads an assembly from bytes', /\[(?:System\.)?Reflection\.Assembly\]::Load(?:File|WithPartialName)?\s*\(|\bAssembly\.Load\s*\(|\.EntryPoint\.Invoke\s*\(/i),
  i('drop.binary-write', 'drop', 3, 'writes binary data to disk (ADODB.Stream, WriteAllBytes, Set-Content -Encoding Byte)', /ADODB\.Stream[\s\S]{0,2000}(?:SaveToFile|\.Write\s*\()|WriteAllBytes\s*\(|-Encoding\s+Byte|nodeTypedValue/i),
  i('drop.runnable', 'drop', 2, 'writes a runnable file (script or executable)', new RegExp(String.raw`(?:CreateTextFile|OpenTextFile|SaveToFile|WriteAllText|WriteAllBytes|Set-Content|Out-File|\bsc\s+-path|>>?)\s*[^\n]{0,80}${RUNNABLE}`, 'i')),
  i('launch.hidden', 'launch', 2, 'starts programs with a hidden window', /\.Run\s*\(?[^\n]{1,300},\s*(?:0|vbHide)\s*(?:,|\)|$)|-w(?:indowstyle)?\s+hid(?:den)?\b|-WindowStyle\s+Hidden|CreateNoWindow\s*=\s*true/im),
  i('launch.user-writable', 'launch', 3, 'runs a program from a user-writable folder (AppData, Temp, Public, /tmp)', new RegExp(`${USER_WRITABLE}[^\\s"'<>|]{0,80}${RUNNABLE}`, 'i')),
  i('launch.script-host', 'launch', 2, 'launches another script through a script host or start', /\b(?:start|wscript|cscript)(?:\.exe)?\s+(?:\/\w+\s+)*"?[^\s"]{0,120}\.(?:vbs|vbe|js|jse|wsf|hta|ps1)\b/i),
  i('launch.elevate', 'launch', 1, 'asks for elevation (runas)', /ShellExecute[^\n]{0,200}["']runas["']|-Verb\s+RunAs/i),
  i('lolbin.abuse', 'lolbin', 5, 'abuses a Windows binary to fetch or run code (certutil, bitsadmin, mshta, regsvr32, rundll32, wmic)', /\bcertutil(?:\.exe)?\s+[^\n]{0,40}-(?:urlcache|decode(?:hex)?)\b|\bbitsadmin(?:\.exe)?\s+[^\n]{0,40}\/transfer\b|\bmshta(?:\.exe)?\s+["']?(?:https?:|vbscript:|javascript:)|\bregsvr32(?:\.exe)?\s+[^\n]{0,40}\/i:\s*["']?(?:https?|\\\\)|scrobj\.dll|\brundll32(?:\.exe)?\s+[^\n]{0,40}(?:javascript:|url\.dll,\s*(?:FileProtocolHandler|OpenURL)|shell32\.dll,\s*ShellExec_RunDLL)|\bwmic(?:\.exe)?\s+[^\n]{0,60}process\s+call\s+create|\bmsiexec(?:\.exe)?\s+[^\n]{0,20}\/q[^\n]{0,40}https?:/i),
  i('launch.encoded-powershell', 'launch', 4, 'starts PowerShell with an encoded command', /powershell(?:\.exe)?[^\n]{0,160}\s[-\/]e(?:nc(?:odedcommand)?|c)?\s+["']?[A-Za-z0-9+/]{40,}={0,2}/i),
  i('credential.theft', 'credential', 5, 'dumps credentials or logs keys (Mimikatz, LSASS dump, SAM hive save, GetAsyncKeyState)', /sekurlsa::|lsadump::|Invoke-Mimikatz|comsvcs(?:\.dll)?[^\n]{0,40}MiniDump|procdump[^\n]{0,40}lsass|\breg(?:\.exe)?\s+save\s+hklm\\(?:sam|security)\b|GetAsyncKeyState/i),
  i('miner', 'miner', 5, 'runs a cryptocurrency miner (stratum pool, xmrig)', /stratum\+(?:tcp|ssl):\/\/|\bxmrig\b|\bminerd\b|--donate-level|cryptonight/i),
  i('network.raw-ip', 'network', 2, 'talks to a hard-coded IP address', /(?:https?:\/\/|\bping\s+(?:-\w+\s+\w+\s+)*|findstr\s+"?|inet_aton\s*\(\s*["']|\/dev\/tcp\/|["'=@])(?!(?:10|127|0)\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.)(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/),
  i('network.c2-check', 'network', 3, 'checks for a live connection to a host before acting', /\bnetstat\b[^\n]{0,20}\|\s*(?:findstr|find|grep)\b/i),
  i('network.proxy-credentials', 'network', 1, 'reuses the logged-on user\'s proxy credentials', /Proxy\.Credentials\s*=\s*\[System\.Net\.CredentialCache\]::Default(?:Network)?Credentials/i),
  i('recon.identity-beacon', 'recon', 4, 'sends the user, domain or host name to a web address', /(?:https?:\/\/[^\s"']{4,200}["']?\s*\+?\s*\(?|\.Download(?:String|Data|File)\s*\([^\n]{0,200}|\.(?:Open|Send)\s*\([^\n]{0,200})(?:\$env:(?:UserName|UserDomain|ComputerName)|%(?:USERNAME|COMPUTERNAME|USERDOMAIN)%|\$\((?:whoami|hostname|uname)\b)/i),
  i('activex.scriptlet-typelib', 'drop', 5, 'writes files through the Scriptlet.TypeLib control from a web page', /06290BD5-48AA-11D2-8432-006008C3FBFC|Scriptlet\.TypeLib/i, /\.(?:Path|Doc)\s*=/i),
  i('decode.crypto-payload', 'decode', 3, 'decrypts a payload with openssl/certutil or a custom base64 alphabet', /\bopenssl\s+(?:enc\s+)?-d\b|\bopenssl\s+enc\s+[^\n]{0,40}\s-d\b|\bopenssl\s+(?:enc\s+)?-aes-\d+-\w+\s+-d\b|\bopenssl\s+rsautl\b[^\n]{0,60}-verify/i),
];

export interface Hit {
  indicator: Indicator;
  /** Only the deobfuscated text shows it. */
  decodedOnly: boolean;
}

export function findIndicators(text: string, decoded: string): Hit[] {
  const hits: Hit[] = [];
  for (const indicator of INDICATORS) {
    const inText = indicator.all.every((pattern) => pattern.test(text));
    if (inText) hits.push({ indicator, decodedOnly: false });
    else if (decoded.length > 0 && indicator.all.every((pattern) => pattern.test(text) || pattern.test(decoded))) hits.push({ indicator, decodedOnly: true });
  }
  return hits;
}
