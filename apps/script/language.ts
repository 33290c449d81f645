/**
 * Which script languages a text is written in, by its syntax first and its
 * file name second: Zeek mostly calls scripts text/plain, and droppers name
 * them anything. A file may hold several (HTML with VBScript, an ASPX page
 * with C#, a PowerShell script that writes a VBS launcher).
 */

export type Language = 'powershell' | 'vbscript' | 'jscript' | 'batch' | 'shell' | 'perl' | 'python' | 'php' | 'server-page' | 'html';

/** Each marker adds one point; a language with two points (or one plus a matching extension) is present. */
const MARKERS: Record<Language, RegExp[]> = {
  powershell: [
    /\$[A-Za-z_][\w]*\s*=\s*/,
    /\b(?:Get|Set|New|Invoke|Write|Start|Add|Remove|Import|Out|Select|ForEach|Where|Test|Convert(?:To|From))-[A-Z][A-Za-z]+/i,
    /\[(?:System\.)?(?:Convert|Text\.Encoding|Net\.WebClient|IO\.File|Reflection\.Assembly|Runtime\.InteropServices|byte\[\]|string|int|char|Type)\]/i,
    /\s-(?:eq|ne|gt|lt|like|match|and|or|not)\s/i,
    /\bparam\s*\(|\bfunction\s+[A-Z]\w*-\w+|\$env:\w+|\$_\.|\$PSScriptRoot|\bpowershell(?:\.exe)?\b/i,
  ],
  vbscript: [
    /^\s*(?:Dim|Set|Sub|Function|End\s+(?:Sub|Function|If)|On\s+Error\s+Resume\s+Next|Option\s+Explicit|Const)\b/im,
    /\bCreateObject\s*\(|\bWScript\.(?:CreateObject|Echo|ScriptFullName|Arguments|Quit|Sleep)\b/i,
    /^\s*(?:If\b.*\bThen|Next|Wend|Loop|Rem\b)/im,
    /\b(?:MsgBox|Chr|ChrW|Mid|Execute|ExecuteGlobal|Replace|UBound|LCase|UCase)\s*\(/i,
    /<script[^>]*language\s*=\s*["']?vbscript/i,
  ],
  jscript: [
    /\bfunction\s*\w*\s*\([^)]*\)\s*\{/,
    /\bvar\s+\w+\s*=|\b(?:let|const)\s+\w+\s*=/,
    /\bnew\s+ActiveXObject\s*\(|\bWScript\.(?:CreateObject|Echo|ScriptFullName)\b|\bdocument\.\w+|\bwindow\.\w+/,
    /\b(?:eval|unescape|escape|String\.fromCharCode|parseInt|atob)\s*\(/,
    /[;{}]\s*$/m,
  ],
  batch: [
    /^\s*@?echo\s+(?:off|on)\b/im,
    /^\s*(?:set\s+\/?[a-z]|goto\s+:?\w|call\s+:?\w|if\s+(?:not\s+)?(?:exist|errorlevel|defined|"%)|rem\s|::|:\w+\s*$)/im,
    /%~?[0-9dpnx]+|%[A-Za-z_]+%|!\w+!/,
    /\b(?:setlocal|endlocal|pushd|popd|xcopy|taskkill|reg\s+add|schtasks|findstr|netsh)\b/i,
  ],
  shell: [
    /^#!\s*\/(?:usr\/)?(?:bin\/)?(?:env\s+)?(?:ba|da|z|k)?sh\b/m,
    /^\s*(?:if\s+\[|then\s*$|fi\s*$|done\s*$|esac\s*$|case\s+.*\s+in\s*$|export\s+\w+=)/m,
    /\$\{?\w+\}?|\$\(\s*\w/,
    /\b(?:chmod|chown|grep|sed|awk|mkdir\s+-p|rm\s+-[rf]+|wget|curl)\b/,
  ],
  perl: [/^#!.*\bperl\b/m, /\buse\s+(?:strict|warnings|Socket|IO::\w+)\s*;/, /\bmy\s+[$@%]\w+/, /\b(?:print|open)\s*\(?\s*(?:STDIN|STDOUT|STDERR|[A-Z]+)\s*,?/, /\$\w+\s*=~\s*[smy]?\//],
  python: [/^#!.*\bpython/m, /^\s*(?:import\s+\w+|from\s+[\w.]+\s+import\b)/m, /^\s*def\s+\w+\s*\(.*\)\s*:/m, /^\s*if\s+__name__\s*==/m],
  php: [/<\?(?:php\b|=|\s)/i, /\$_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES)\b/],
  'server-page': [/<%[@=]?/, /\brunat\s*=\s*["']?server/i, /<%@\s*(?:Page|WebHandler|Control|Import|page\s+import)\b/i, /\bRequest(?:\.(?:Form|QueryString|Item|Files|Params|Cookies|ServerVariables)|\s*[[(])|\brequest\.getParameter\s*\(/],
  html: [/<(?:!doctype\s+html|html|head|body)\b/i, /<script\b/i, /<(?:div|p|a|iframe|object|form|meta|table)\b[^>]*>/i],
};

const EXTENSIONS: Record<string, Language> = {
  ps1: 'powershell', psm1: 'powershell', psd1: 'powershell',
  vbs: 'vbscript', vbe: 'vbscript', vba: 'vbscript',
  js: 'jscript', jse: 'jscript', mjs: 'jscript',
  bat: 'batch', cmd: 'batch',
  sh: 'shell', bash: 'shell', ksh: 'shell', zsh: 'shell',
  pl: 'perl', pm: 'perl', cgi: 'perl',
  py: 'python', pyw: 'python',
  php: 'php', phtml: 'php', php5: 'php', php7: 'php',
  asp: 'server-page', aspx: 'server-page', ashx: 'server-page', asmx: 'server-page', jsp: 'server-page', jspx: 'server-page', cfm: 'server-page',
  html: 'html', htm: 'html', hta: 'html', xhtml: 'html', wsf: 'jscript', wsc: 'jscript', sct: 'jscript',
};

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** Languages present in the text, best first. */
export function detectLanguages(text: string, name: string): Language[] {
  const head = text.slice(0, 256 << 10);
  const hinted = EXTENSIONS[extensionOf(name)];
  const scores = (Object.entries(MARKERS) as Array<[Language, RegExp[]]>).map(([language, markers]) => {
    const points = markers.filter((marker) => marker.test(head)).length + (language === hinted ? 1 : 0);
    return { language, points };
  });
  return scores
    .filter(({ points }) => points >= 2)
    .sort((a, b) => b.points - a.points)
    .map(({ language }) => language);
}

/** Whether a name carries a script extension: such a file is a script even if its syntax is too short to tell. */
export function hasScriptExtension(name: string): boolean {
  return extensionOf(name) in EXTENSIONS;
}
