/*
  Techniques in the files that are neither PE, ELF, Office nor PDF: shortcut
  exploits, worm requests, file infectors, tunnel configs, wrapped scripts.
  Meta as in broapt.yar: severity and description.
*/

rule lnk_control_panel_dll_load
{
  meta:
    severity = "high"
    description = "Windows shortcut whose item list goes through the Control Panel to a DLL or temp file (CVE-2010-2568 icon loading, Stuxnet)"
  strings:
    $control_panel = { 20 20 EC 21 EA 3A 69 10 A2 DD 08 00 2B 30 30 9D }
    $dll = /[\w~.-]{1,64}\.(dll|tmp)\x00/ nocase wide
    $dll_a = /[\w~.-]{1,64}\.(dll|tmp)\x00/ nocase
  condition:
    uint32(0) == 0x4C and uint32(4) == 0x00021401 and $control_panel and ($dll or $dll_a)
}

rule lnk_runs_script_host
{
  meta:
    severity = "high"
    description = "Windows shortcut that starts a command or script host with arguments (cmd, PowerShell, mshta, wscript, rundll32, regsvr32)"
  strings:
    $host = /(cmd(\.exe)?\s+\/[ck]|powershell|pwsh|mshta|wscript|cscript|rundll32|regsvr32|certutil|bitsadmin)/ nocase wide
  condition:
    uint32(0) == 0x4C and uint32(4) == 0x00021401 and $host
}

rule http_request_overflow_worm
{
  meta:
    severity = "high"
    description = "HTTP request with an overlong run of one character or %u-encoded shellcode in the URL (Code Red style buffer overflow)"
  strings:
    $filler = /(GET|POST|SEARCH|PROPFIND) \/[^ \r\n?]{0,64}\?(N{100}|X{100}|A{100}|a{100})/
    $unicode = /%u9090%u[0-9a-f]{4}|(%u[0-9a-f]{4}){8}/ nocase
  condition:
    $filler or ($unicode and #unicode > 0 and filesize < 10MB and uint16(0) != 0x5A4D)
}

rule dos_com_file_infector
{
  meta:
    severity = "medium"
    description = "DOS program that searches for executables (find first/next on *.COM/*.EXE) through INT 21h: a file infector"
  strings:
    $mask = /\*\.(com|exe)\x00/ nocase
    $command = "command.com" nocase
    $find = { B4 4E }
    $int21 = { CD 21 }
  condition:
    filesize < 65280 and uint16(0) != 0x5A4D and ($mask and ($command or $find)) and #int21 >= 5
}

rule tunnel_client_config
{
  meta:
    severity = "medium"
    description = "reverse-tunnel client config (frp, ngrok) that exposes a local service such as RDP or SSH through an outside server"
  strings:
    $frp_common = "[common]"
    $frp_server = /server_addr\s*=/
    $frp_local = /local_port\s*=\s*(3389|22|445|5900|5985|1433|3306)\b/
    $frp_remote = /remote_port\s*=/
    $ngrok_token = /authtoken\s*:/
    $ngrok_proto = /proto\s*:\s*tcp/
    $ngrok_addr = /addr\s*:\s*(3389|22|445|5900)\b/
  condition:
    filesize < 64KB and (($frp_common and $frp_server and $frp_local and $frp_remote) or ($ngrok_token and $ngrok_proto and $ngrok_addr))
}

rule shc_compiled_script
{
  meta:
    severity = "medium"
    description = "shell script wrapped with shc (encrypted script in a binary: hides what it runs)"
  strings:
    $argv = "E: neither argv[0] nor $_ works."
    $fmt1 = "=%lu %d"
    $fmt2 = "%lu %d%c"
  condition:
    (uint32(0) == 0x464C457F or uint32(0) == 0xFEEDFACF or uint32(0) == 0xCFFAEDFE or uint32(0) == 0xBEBAFECA) and $argv and ($fmt1 or $fmt2)
}

rule encoded_vbscript_in_html
{
  meta:
    severity = "medium"
    description = "HTML carrying VBScript.Encode script (encoded script hides its code; email worms)"
  strings:
    $lang = /language\s*=\s*"?(VBScript|JScript)\.Encode/ nocase
    $marker = "#@~^"
  condition:
    $lang and $marker
}

rule compiled_applescript_shell
{
  meta:
    severity = "medium"
    description = "compiled AppleScript that runs shell commands (do shell script): macOS droppers hide in run-only scripts"
  strings:
    $exec = ".sysoexecTEXT"
  condition:
    uint32be(0) == 0x46617364 and #exec >= 2
}
