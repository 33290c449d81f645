/**
 * Documents built on zip (OOXML, OpenDocument, EPUB) are archives of markup,
 * styles and pictures that the Office analyzer reads in place. Taking each of
 * those parts as a child entry multiplied the work per document by tens for
 * nothing; the parts worth a look of their own are the embedded ones
 * (OLE objects, binaries, other archives, scripts), which stay children.
 */
import type { Member } from './listing.ts';

/** Parts every such document holds: its text, layout and pictures. */
const PART = /\.(?:xml|rels|xhtml|html?|css|opf|ncx|txt|jpe?g|png|gif|bmp|tiff?|svg|wmf|emf|odttf|ttf|otf|woff2?|thmx)$|(?:^|\/)mimetype$/i;

/** Whether the listing is that of an OOXML, OpenDocument or EPUB file. */
export function isDocument(members: readonly Member[]): boolean {
  const names = new Set(members.map((m) => m.path.replace(/\\/g, '/')));
  return names.has('[Content_Types].xml') || (names.has('mimetype') && (names.has('META-INF/manifest.xml') || names.has('META-INF/container.xml')));
}

/** Whether a document's member is worth an entry of its own: not one of the parts every such document holds. */
export function isEmbeddedPart(name: string): boolean {
  return !PART.test(name.replace(/\\/g, '/'));
}

/** The unpacked members of a document that are worth an entry of their own. */
export function embeddedParts(names: readonly string[]): string[] {
  return names.filter(isEmbeddedPart);
}
