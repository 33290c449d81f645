/** Builds small PDFs in code for the tests: objects numbered from 1, a trailer, no xref (readers and this app scan). */
import zlib from 'node:zlib';

export function buildPdf(objects: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n', 'latin1')];
  objects.forEach((body, i) => {
    parts.push(Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n', 'latin1'));
  });
  parts.push(Buffer.from('trailer << /Root 1 0 R >>\n%%EOF\n', 'latin1'));
  return Buffer.concat(parts);
}

/** A stream object, Flate-compressed unless the data is given with its own filter. */
export function stream(dict: string, data: Buffer | string, compress = true): Buffer {
  const raw = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const body = compress ? zlib.deflateSync(raw) : raw;
  const filter = compress ? ' /Filter /FlateDecode' : '';
  return Buffer.concat([Buffer.from(`<< ${dict}${filter} /Length ${body.length} >>\nstream\n`, 'latin1'), body, Buffer.from('\nendstream', 'latin1')]);
}

export const CATALOG = '<< /Type /Catalog /Pages 2 0 R >>';
export const PAGES = '<< /Type /Pages /Kids [] /Count 0 >>';
