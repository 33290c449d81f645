/**
 * How a PE is built: packers (by section names), packed or encrypted
 * content, sections no linker makes, an entry point in odd places
 * (payloads.ts tells what the file carries). Packing alone is common in benign tools, so these signals weigh little and packing ones
 * share one capped weight (score.ts).
 */
import type { Indicator } from './indicator.ts';
import type { PeInfo, Section } from './parse.ts';

const PACKER_SECTIONS: Record<string, string> = { UPX0: 'UPX', UPX1: 'UPX', UPX2: 'UPX', '.aspack': 'ASPack', '.adata': 'ASPack', MPRESS1: 'MPRESS', MPRESS2: 'MPRESS', '.petite': 'Petite', '.themida': 'Themida', '.winlice': 'Themida', '.vmp0': 'VMProtect', '.vmp1': 'VMProtect', pec1: 'PECompact', PEC2: 'PECompact', PECompact2: 'PECompact', '.nsp0': 'NsPack', '.nsp1': 'NsPack', nsp0: 'NsPack', nsp1: 'NsPack', '.MEW': 'MEW', MEW: 'MEW', '.packed': 'RLPack', '.RLPack': 'RLPack', '.perplex': 'Perplex', '.yP': 'Y0da', '.y0da': 'Y0da', ExeS: 'EXE Stealth', '.enigma1': 'Enigma', '.enigma2': 'Enigma', kkrunchy: 'kkrunchy', FSG: 'FSG', '.boom': 'Boomerang', '.ccg': 'CCG', '.charmve': 'PIN', '.mpress1': 'MPRESS' };

/** Section names compilers and linkers of note produce; anything else was named by hand or by a packer. */
const KNOWN_SECTIONS = new Set(['.text', '.data', '.rdata', '.idata', '.edata', '.pdata', '.rsrc', '.reloc', '.tls', '.bss', '.crt', '.CRT', '.debug', '.didat', '.gfids', '.giats', '.00cfg', '.textbss', '.xdata', '.sdata', '.srdata', '.orpc', '.eh_fram', '.tsustub', '.tsuarch', '_RDATA', '.retplne', '.voltbl', '.fptable', 'CODE', 'DATA', 'BSS', '.icode', 'INIT', 'PAGE', 'PAGELK', 'PAGEVRFY', 'NONPAGED', '.cormeta', '.sxdata', '.ndata', '.text$mn', '.idata$2', '.mrdata', '.wpp_sf', '.hexpthk', '.rodata', '.init', '.fini', '.ctors', '.dtors', '.gnu_deb', '.stab', '.stabstr', '.buildid', '.qtmetad', '.imrsiv', 'minATL', '.detourc', '.detourd', '.gehcont', '.guids', '.rtc', 'fothk', '.sbss', 'SHARED', '.shared', 'Shared', 'PAGEKD', '.apiset', 'malloc_h', '.clr_uef', '.msvcjmc', '.symtab']);

const name = (s: Section) => JSON.stringify(s.name);

export function packerNames(info: PeInfo): string[] {
  return [...new Set(info.sections.flatMap((s) => PACKER_SECTIONS[s.name] || []))];
}

export function structureIndicators(info: PeInfo, bytes: Buffer): Indicator[] {
  const found: Indicator[] = [];
  const packers = packerNames(info);
  for (const packer of packers) found.push({ rule: `pe.packer.${packer.toLowerCase().replace(/\W+/g, '-')}`, description: `section names of the ${packer} packer`, weight: 1 });
  // Compiled code stays below 7 bits per byte; denser code sections hold encrypted data.
  const packed = info.sections.filter((s) => s.executable && s.entropy > 7.0 && s.rawSize >= 0x1000);
  if (packed.length > 0) found.push({ rule: 'pe.section.high-entropy', description: `executable section ${packed.map(name).join(', ')} has entropy ${packed[0]!.entropy}: packed or encrypted code`, weight: 1 });
  const hollow = info.sections.filter((s) => s.rawSize === 0 && s.virtualSize >= 0x10000 && (s.executable || s.writable) && !/^\.?bss$/i.test(s.name));
  if (hollow.length > 0) found.push({ rule: 'pe.section.unpacks-into', description: `section ${hollow.map(name).join(', ')} has no bytes on disk but ${hollow[0]!.virtualSize} bytes in memory: room for unpacked code`, weight: 1 });
  const wx = info.sections.filter((s) => s.executable && s.writable);
  if (wx.length > 0) found.push({ rule: 'pe.section.writable-code', description: `section ${wx.map(name).join(', ')} is both writable and executable`, weight: 1 });
  // MinGW names long sections `/4`, `/14`: offsets into its string table.
  const odd = info.sections.filter((s) => !KNOWN_SECTIONS.has(s.name) && !(s.name in PACKER_SECTIONS) && !/^\/\d+$/.test(s.name));
  if (odd.length > 0) found.push({ rule: 'pe.section.odd-name', description: `section names no common linker gives: ${odd.map(name).join(', ')}`, weight: odd.some((s) => s.executable) ? 2 : 1 });
  const dense = info.sections.filter((s) => !s.executable && s.name !== '.rsrc' && s.entropy > 7.5 && s.rawSize >= 0x4000);
  // When the encrypted data is most of the file, the program is a wrapper around it.
  const denseShare = dense.reduce((sum, s) => sum + s.rawSize, 0) / Math.max(bytes.length, 1);
  if (dense.length > 0) found.push({ rule: 'pe.section.encrypted-data', description: `data section ${dense.map(name).join(', ')} has entropy ${dense[0]!.entropy} and makes ${Math.round(denseShare * 100)}% of the file: an encrypted or compressed payload`, weight: denseShare >= 0.4 ? 3 : 2 });
  // Code sections of near-empty bytes are placeholders the program writes its real code into at run time.
  const blank = info.sections.filter((s) => s.executable && s.rawSize >= 0x200 && s.entropy < 3);
  if (blank.length > 0) found.push({ rule: 'pe.section.blank-code', description: `executable section ${blank.map(name).join(', ')} holds almost no code (entropy ${blank[0]!.entropy}): room for code written at run time`, weight: 1 });
  // Icons and images compress less: a resource section this dense and this large is an encrypted payload.
  const resources = info.sections.find((s) => s.name === '.rsrc' && s.entropy > 7.9 && s.rawSize >= 0x10000 && s.rawSize * 5 >= bytes.length * 2);
  if (resources) found.push({ rule: 'pe.resource.encrypted', description: `resources are ${resources.rawSize} bytes with entropy ${resources.entropy}: an encrypted or compressed payload`, weight: 2 });
  const bloated = info.sections.filter((s) => s.virtualSize > 0x1000000 && s.virtualSize > 64 * Math.max(s.rawSize, 1));
  if (bloated.length > 0) found.push({ rule: 'pe.section.bloated', description: `section ${bloated.map(name).join(', ')} reserves ${bloated[0]!.virtualSize} bytes for ${bloated[0]!.rawSize} on disk`, weight: 1 });
  found.push(...entryIndicators(info));
  return found;
}

function entryIndicators(info: PeInfo): Indicator[] {
  if (info.entryPoint === 0 || info.sections.length === 0) return [];
  const at = info.sections.findIndex((s) => info.entryPoint >= s.virtualAddress && info.entryPoint < s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  if (at < 0) return [{ rule: 'pe.entry.outside-sections', description: `entry point 0x${info.entryPoint.toString(16)} lies in no section`, weight: 2 }];
  const section = info.sections[at]!;
  if (!section.executable) return [{ rule: 'pe.entry.not-code', description: `entry point lies in the non-executable section ${name(section)}`, weight: 2 }];
  if (at > 0 && at === info.sections.length - 1) return [{ rule: 'pe.entry.last-section', description: `entry point lies in the last section ${name(section)}, where packers and file infectors put their stub`, weight: 1 }];
  return [];
}
