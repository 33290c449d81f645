/*
  broapt's shipped YARA rules, used by the generic scan app (apps/example).
  Every rule has meta `severity` (info, low, medium, high, critical: high and
  above make a file malicious, medium suspicious) and `description`.
  Point SCAN_YARA_RULES at your own files or folders to use others.
*/

rule eicar_test_file
{
  meta:
    severity = "high"
    description = "EICAR anti-virus test string"
  strings:
    $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
  condition:
    $eicar
}

rule powershell_download_cradle
{
  meta:
    severity = "high"
    description = "PowerShell that downloads and runs code (download cradle)"
  strings:
    $iex1 = "IEX" nocase
    $iex2 = "Invoke-Expression" nocase
    $dl1 = "DownloadString" nocase
    $dl2 = "DownloadData" nocase
    $dl3 = "Net.WebClient" nocase
    $dl4 = "Invoke-WebRequest" nocase
    $dl5 = "Start-BitsTransfer" nocase
  condition:
    any of ($iex*) and any of ($dl*)
}

rule powershell_encoded_command
{
  meta:
    severity = "medium"
    description = "PowerShell started hidden or with an encoded command"
  strings:
    $ps = "powershell" nocase
    $enc1 = /\s-e(nc|ncodedcommand)?\s+[A-Za-z0-9+\/=]{40,}/ nocase
    $hid = /-w(indowstyle)?\s+hidden/ nocase
    $bypass = /-ex(ecutionpolicy)?\s+bypass/ nocase
  condition:
    $ps and ($enc1 or ($hid and $bypass))
}

rule php_web_shell
{
  meta:
    severity = "high"
    description = "PHP web shell: request data fed to eval/system/exec"
  strings:
    $php = "<?php" nocase
    $a = /(eval|assert|system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*(base64_decode\s*\(\s*)?\$_(GET|POST|REQUEST|COOKIE|SERVER)/ nocase
    $b = /eval\s*\(\s*(gzinflate|gzuncompress|str_rot13|base64_decode)\s*\(/ nocase
  condition:
    $php and ($a or $b)
}

rule asp_web_shell
{
  meta:
    severity = "high"
    description = "ASP/ASPX web shell: request data run as a command"
  strings:
    $asp1 = "<%" 
    $req = /Request(\.Form|\.QueryString|\.Item)?\s*[\[(]/ nocase
    $run1 = "cmd.exe" nocase
    $run2 = "Process.Start" nocase
    $run3 = "WScript.Shell" nocase
    $run4 = /\bEval\s*\(\s*Request/ nocase
  condition:
    $asp1 and $req and any of ($run*)
}

rule jsp_web_shell
{
  meta:
    severity = "high"
    description = "JSP web shell: request parameter passed to Runtime.exec"
  strings:
    $jsp = "<%"
    $exec = /Runtime\.getRuntime\(\)\.exec\s*\(\s*request\.getParameter/ nocase
  condition:
    $jsp and $exec
}

rule pe_upx_packed
{
  meta:
    severity = "low"
    description = "PE packed with UPX (section names UPX0/UPX1)"
  strings:
    $upx0 = "UPX0"
    $upx1 = "UPX1"
    $upx2 = "UPX!"
  condition:
    uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and 2 of them
}

rule pe_other_packer
{
  meta:
    severity = "low"
    description = "PE section names of a known packer (ASPack, MPRESS, PECompact, Themida, Petite, FSG)"
  strings:
    $a = ".aspack"
    $b = ".adata"
    $c = "MPRESS1"
    $d = "PEC2"
    $e = ".themida"
    $f = ".petite"
    $g = "FSG!"
  condition:
    uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and any of them
}

rule embedded_pe_in_document
{
  meta:
    severity = "medium"
    description = "a Windows executable hidden inside another file"
  strings:
    $dos = "This program cannot be run in DOS mode"
  condition:
    uint16(0) != 0x5A4D and for any i in (1..#dos): (@dos[i] > 64 and uint16(@dos[i] - 0x4E) == 0x5A4D)
}

rule js_packer_eval
{
  meta:
    severity = "medium"
    description = "JavaScript run through Dean Edwards' packer or an eval of decoded text"
  strings:
    $p = "eval(function(p,a,c,k,e," nocase
    $d1 = /eval\s*\(\s*(unescape|atob|String\.fromCharCode)\s*\(/ nocase
  condition:
    any of them
}
