/**
 * Web shells: server-side pages (PHP, ASP, ASPX, JSP) that hand request
 * input to code evaluation, command execution or file writes. Pages that
 * read the request and query a database are the norm (`conn.Execute(sql)`),
 * so only dynamic-code and process sinks count, and `.Execute` on an object
 * does not.
 */
import type { Finding } from '../lib/report.ts';

/** Request input in PHP, classic ASP, ASP.NET and JSP. */
const INPUT = /\$_(?:GET|POST|REQUEST|COOKIE|FILES|SERVER\s*\[\s*["']HTTP_)|php:\/\/input|getallheaders\s*\(|\bRequest\s*(?:\.\s*(?:Form|QueryString|Item|Params|Files|Cookies|Headers|InputStream|BinaryRead)\b|[[(])|HttpContext\.Current\.Request\b|\brequest\.(?:getParameter|getInputStream|getHeader)\s*\(/;
// Data binding's `Eval("Field")` takes a literal; a sink fed a literal runs nothing from outside.
const CODE_SINK = /(?<![.\w$>])(?:eval|assert|create_function|Execute|ExecuteGlobal)\s*\((?!\s*["'][^"'\n]*["']\s*\))|\bpreg_replace\s*\(\s*["'](.).*\1[a-z]*e[a-z]*["']|\bnew\s+Function\s*\(|\bScriptEngine\b/i;
const PROCESS_SINK = /(?<![.\w$>])(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(|`\s*\$_|\bWScript\.Shell\b|\bProcess\.Start\s*\(|\bProcessStartInfo\b|\bnew\s+(?:System\.Diagnostics\.)?Process\s*\(|\bRuntime\.getRuntime\s*\(\s*\)\s*\.exec\s*\(|\bProcessBuilder\s*\(|\bcmd(?:\.exe)?\s*\/c\b/i;
const FILE_SINK = /\.SaveAs\s*\(|\bmove_uploaded_file\s*\(|\bFile\.WriteAll(?:Bytes|Text)\s*\(|\bfile_put_contents\s*\(|\bfwrite\s*\(|ADODB\.Stream|\bFileOutputStream\s*\(/i;
/** JScript.NET's `eval(x, "unsafe")`: full-trust evaluation, which China Chopper-style shells rely on and pages have no use for. */
const UNSAFE_EVAL = /\beval\s*\([^;]{0,400},\s*["']unsafe["']\s*\)/i;
/** Code decoded from a request field and evaluated in one statement: `eval(base64_decode($_POST[...]))`. */
const DIRECT = [
  /(?<![.\w$>])(?:eval|assert|system|exec|shell_exec|passthru|popen|proc_open|Execute|ExecuteGlobal|create_function)\s*\(\s*(?:@?\s*(?:base64_decode|gzinflate|gzuncompress|str_rot13|stripslashes|urldecode|rawurldecode|hex2bin|trim)\s*\(\s*)*\$_(?:GET|POST|REQUEST|COOKIE|SERVER)/i,
  /(?<![.\w$>])(?:eval|Execute|ExecuteGlobal)\s*\(?\s*Request\s*(?:\.\s*(?:Form|QueryString|Item)\b|[[(])/i,
  // Request input called as a function: `$_GET['f']($_GET['c'])`.
  /\$_(?:GET|POST|REQUEST|COOKIE)\s*\[[^\]\n]{1,40}\]\s*\(/i,
  /(?:\.Arguments|\.FileName)\s*=\s*[^;\n]{0,80}Request\s*[[(.]|Process\.Start\s*\([^;\n]{0,120}Request\s*[[(.]/i,
  // A server TextBox's `.Text` is request input as much as Request.Form is.
  /\.SaveAs\s*\([^;\n]{0,120}(?:Request\s*[[(.]|\.Text\b)/i,
  /\bRuntime\.getRuntime\s*\(\s*\)\s*\.exec\s*\(\s*request\.getParameter/i,
];
const SERVER_SIDE = /<\?(?:php|=|\s)|<%|\brunat\s*=\s*["']?server/i;

export function webShellFindings(text: string, decoded: string): Finding[] {
  const all = decoded ? `${text}\n${decoded}` : text;
  if (!SERVER_SIDE.test(text)) return [];
  const direct = DIRECT.find((pattern) => pattern.test(all));
  if (direct || UNSAFE_EVAL.test(all)) {
    const what = direct ? all.match(direct)![0] : all.match(UNSAFE_EVAL)![0];
    return [{ rule: 'script.webshell', description: `server page runs or stores request input: ${what.slice(0, 120)}`, severity: 'high' }];
  }
  const input = INPUT.test(all);
  const sinks = [CODE_SINK.test(all) && 'code evaluation', PROCESS_SINK.test(all) && 'process execution', FILE_SINK.test(all) && 'file writes'].filter(Boolean);
  if (!input || sinks.length === 0) return [];
  // Request input, process execution and file writes in one page is a file-manager shell; one sink alone may be an upload form.
  const severity = sinks.length >= 2 || sinks.includes('code evaluation') ? 'high' : 'medium';
  return [{ rule: 'script.webshell', description: `server page reads request input and has ${sinks.join(', ')}`, severity }];
}
