/**
 * The YARA rules for files of no other analyzer's kind (apps/example/rules/other.yar),
 * each on a sample built here and on a near miss that must stay clean.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tool } from '../lib/tools.ts';

const RULES = new URL('../example/rules/other.yar', import.meta.url).pathname;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-other-rules-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function rulesOn(bytes: Buffer | string): Promise<string[]> {
  const file = path.join(dir, `sample-${n++}`);
  fs.writeFileSync(file, bytes);
  const { stdout } = await tool('yara', ['-w', RULES, file]);
  return stdout.split('\n').filter(Boolean).map((line) => line.split(' ')[0]!);
}

const LNK_HEADER = Buffer.from('4c0000000114020000000000c000000000000046', 'hex');
const CONTROL_PANEL = Buffer.from('2020ec21ea3a6910a2dd08002b30309d', 'hex');
const wide = (s: string) => Buffer.from(`${s}\0`, 'utf16le');

describe('other.yar', () => {
  it('a shortcut through the Control Panel to a DLL (CVE-2010-2568), not to a .cpl applet', async () => {
    expect(await rulesOn(Buffer.concat([LNK_HEADER, Buffer.alloc(40), CONTROL_PANEL, wide('\\\\.\\STORAGE#Volume#x\\~WTR4141.tmp')]))).toContain('lnk_control_panel_dll_load');
    expect(await rulesOn(Buffer.concat([LNK_HEADER, Buffer.alloc(40), CONTROL_PANEL, wide('C:\\Windows\\system32\\desk.cpl')]))).toEqual([]);
  });

  it('a shortcut that starts PowerShell, not one to notepad', async () => {
    expect(await rulesOn(Buffer.concat([LNK_HEADER, Buffer.alloc(40), wide('powershell.exe'), wide('-w hidden -c iex(...)')]))).toContain('lnk_runs_script_host');
    expect(await rulesOn(Buffer.concat([LNK_HEADER, Buffer.alloc(40), wide('C:\\Windows\\notepad.exe')]))).toEqual([]);
  });

  it('a Code Red style overflow request, not an ordinary GET', async () => {
    expect(await rulesOn(`GET /default.ida?${'N'.repeat(224)}%u9090%u6858%ucbd3%u7801 HTTP/1.0\r\n`)).toContain('http_request_overflow_worm');
    expect(await rulesOn('GET /index.html?q=hello HTTP/1.1\r\nHost: example.org\r\n\r\n')).toEqual([]);
  });

  it('a DOS program that looks for *.COM files through INT 21h', async () => {
    const code = Buffer.concat([Buffer.from([0xe9, 0x10, 0x00, 0xb4, 0x4e]), Buffer.from('cd21cd21cd21cd21cd21', 'hex'), Buffer.from('*.COM\0COMMAND.COM\0')]);
    expect(await rulesOn(code)).toContain('dos_com_file_infector');
    expect(await rulesOn(Buffer.concat([Buffer.from([0xe9, 0x10, 0x00]), Buffer.from('cd21cd21', 'hex'), Buffer.from('HELLO$')]))).toEqual([]);
  });

  it('an frp client config exposing RDP, not one for a web port', async () => {
    const frp = (port: number) => `[common]\nserver_addr = 198.51.100.1\nserver_port = 443\n[rdp]\ntype = tcp\nlocal_ip = 127.0.0.1\nlocal_port = ${port}\nremote_port = 0\n`;
    expect(await rulesOn(frp(3389))).toContain('tunnel_client_config');
    expect(await rulesOn(frp(8080))).toEqual([]);
  });

  it('an shc-wrapped script in an ELF', async () => {
    const elf = Buffer.concat([Buffer.from('7f454c46020101', 'hex'), Buffer.alloc(57), Buffer.from('E: neither argv[0] nor $_ works.\0=%lu %d\0')]);
    expect(await rulesOn(elf)).toContain('shc_compiled_script');
  });

  it('HTML with VBScript.Encode script', async () => {
    expect(await rulesOn('<HTML><SCRIPT LANGUAGE="VBScript.Encode">#@~^qgsAAA==@#@&rU</SCRIPT>')).toContain('encoded_vbscript_in_html');
    expect(await rulesOn('<HTML><SCRIPT LANGUAGE="VBScript">MsgBox "hi"</SCRIPT>')).toEqual([]);
  });

  it('a compiled AppleScript that runs shell commands twice', async () => {
    expect(await rulesOn(Buffer.from('FasdUAS 1.101.10\0.sysoexecTEXT\0x\0.sysoexecTEXT\0'))).toContain('compiled_applescript_shell');
    expect(await rulesOn(Buffer.from('FasdUAS 1.101.10\0.aevtoappnull\0'))).toEqual([]);
  });
});
