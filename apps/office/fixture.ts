/**
 * Macro documents built from scratch for tests and the detection table: no
 * Office file is copied into the repository. The VBA source is stored as an
 * MS-OVBA container of literal tokens, which every VBA reader decompresses.
 */
import { zipOf } from '../../source/demo/samples.ts';

const SECTOR = 512;
const FREE = 0xffffffff;
const END = 0xfffffffe;
const FAT_SECTOR = 0xfffffffd;

/** MS-OVBA "compression" using literals only: valid, and readable by any decompressor. */
export function ovbaLiterals(text: string): Buffer {
  const data = Buffer.from(text, 'latin1');
  const parts: Buffer[] = [Buffer.from([1])];
  for (let chunk = 0; chunk < data.length; chunk += 4096) {
    const body: number[] = [];
    const slice = data.subarray(chunk, chunk + 4096);
    for (let i = 0; i < slice.length; i += 8) body.push(0, ...slice.subarray(i, i + 8));
    const header = Buffer.alloc(2);
    header.writeUInt16LE(0x8000 | 0x3000 | (body.length + 2 - 3));
    parts.push(header, Buffer.from(body));
  }
  return Buffer.concat(parts);
}

interface Node {
  name: string;
  type: 1 | 2 | 5;
  data?: Buffer;
  children: Node[];
}

/** An OLE2 compound file holding `streams` (paths with `/`); every stream is padded past the mini-stream cut-off. */
export function oleFile(streams: Array<[path: string, data: Buffer]>): Buffer {
  const root: Node = { name: 'Root Entry', type: 5, children: [] };
  for (const [path, data] of streams) {
    let node = root;
    const parts = path.split('/');
    for (const part of parts.slice(0, -1)) {
      let next = node.children.find((c) => c.name === part);
      if (!next) node.children.push((next = { name: part, type: 1, children: [] }));
      node = next;
    }
    node.children.push({ name: parts.at(-1)!, type: 2, data: Buffer.concat([data, Buffer.alloc(Math.max(0, 4096 - data.length))]), children: [] });
  }
  const nodes: Node[] = [];
  const visit = (node: Node) => {
    nodes.push(node);
    node.children.forEach(visit);
  };
  visit(root);
  const dirSectors = Math.ceil((nodes.length * 128) / SECTOR);
  const fat: number[] = [FAT_SECTOR];
  const chain = (count: number) => {
    const start = fat.length;
    for (let i = 0; i < count; i++) fat.push(i === count - 1 ? END : fat.length + 1);
    return start;
  };
  const dirStart = chain(dirSectors);
  const starts = new Map<Node, number>();
  for (const node of nodes) if (node.data) starts.set(node, chain(Math.ceil(node.data.length / SECTOR)));
  if (fat.length > SECTOR / 4) throw new Error('oleFile: too much data for one FAT sector');
  const directory = Buffer.alloc(dirSectors * SECTOR);
  nodes.forEach((node, i) => {
    const at = i * 128;
    directory.write(node.name, at, 'utf16le');
    directory.writeUInt16LE((node.name.length + 1) * 2, at + 64);
    directory[at + 66] = node.type;
    directory[at + 67] = 1; // black
    // Siblings as a chain of right children: a valid, if unbalanced, tree.
    const siblings = nodes.find((p) => p.children.includes(node))?.children ?? [];
    const next = siblings[siblings.indexOf(node) + 1];
    directory.writeUInt32LE(FREE, at + 68);
    directory.writeUInt32LE(next ? nodes.indexOf(next) : FREE, at + 72);
    directory.writeUInt32LE(node.children[0] ? nodes.indexOf(node.children[0]) : FREE, at + 76);
    directory.writeUInt32LE(starts.get(node) ?? (node.type === 5 ? END : 0), at + 116);
    directory.writeUInt32LE(node.data?.length ?? 0, at + 120);
  });
  const header = Buffer.alloc(SECTOR);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header, 0);
  header.writeUInt16LE(0x3e, 24);
  header.writeUInt16LE(3, 26);
  header.writeUInt16LE(0xfffe, 28);
  header.writeUInt16LE(9, 30);
  header.writeUInt16LE(6, 32);
  header.writeUInt32LE(1, 44);
  header.writeUInt32LE(dirStart, 48);
  header.writeUInt32LE(4096, 56);
  header.writeUInt32LE(END, 60);
  header.writeUInt32LE(END, 68);
  for (let i = 0; i < 109; i++) header.writeUInt32LE(i === 0 ? 0 : FREE, 76 + i * 4);
  const fatSector = Buffer.alloc(SECTOR, 0xff);
  fat.forEach((value, i) => fatSector.writeUInt32LE(value, i * 4));
  const data = nodes.flatMap((node) => (node.data ? [Buffer.concat([node.data, Buffer.alloc((SECTOR - (node.data.length % SECTOR)) % SECTOR)])] : []));
  return Buffer.concat([header, fatSector, directory, ...data]);
}

export const MACRO_SOURCE = 'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\n  Shell "powershell -nop -w hidden -c calc", vbHide\r\nEnd Sub\r\n';

/** A vbaProject.bin: VBA/_VBA_PROJECT, VBA/dir, VBA/ThisDocument with `source` compressed. */
export function vbaProject(source = MACRO_SOURCE): Buffer {
  return oleFile([
    ['VBA/_VBA_PROJECT', Buffer.from([0xcc, 0x61, 0xff, 0xff, 0x00])],
    ['VBA/ThisDocument', ovbaLiterals(source)],
    ['PROJECT', Buffer.from('ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisDocument/&H00000000\r\n')],
  ]);
}

/** A legacy Word file with macros: the VBA project under Macros/. */
export function macroDoc(source = MACRO_SOURCE): Buffer {
  return oleFile([
    ['WordDocument', Buffer.from([0xec, 0xa5])],
    ['Macros/VBA/_VBA_PROJECT', Buffer.from([0xcc, 0x61, 0xff, 0xff, 0x00])],
    ['Macros/VBA/ThisDocument', ovbaLiterals(source)],
  ]);
}

/** A .docm: OOXML with word/vbaProject.bin. */
export function macroDocm(source = MACRO_SOURCE): Buffer {
  return zipOf([
    ['[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'],
    ['word/document.xml', '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>'],
    ['word/vbaProject.bin', vbaProject(source)],
  ]);
}
