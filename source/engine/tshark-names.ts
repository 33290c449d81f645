/** How tshark names exported objects, and how a transfer's URI maps to that name. */

/** tshark escapes unsafe characters of an object's name as %xx. */
export function unescapeExported(name: string): string {
  return name.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** The name tshark gives an object from its URI or path: the last segment, decoded; `/` for the root. */
export function lastSegment(uriOrPath: string): string {
  const plain = uriOrPath.replace(/[?#].*$/, '');
  const segment = plain.slice(plain.lastIndexOf('/') + 1);
  return decodeSafe(segment === '' ? plain || '/' : segment);
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
