/**
 * One file type goes by several MIME names: Zeek calls a PE
 * `application/x-dosexec`, file-type `application/x-msdownload`, IANA
 * `application/vnd.microsoft.portable-executable`. A name from one source
 * must meet an api.yml key or a check written with another's, so every
 * comparison of MIME types goes through these groups.
 */
const GROUPS: readonly (readonly string[])[] = [
  ['application/x-dosexec', 'application/x-msdownload', 'application/vnd.microsoft.portable-executable', 'application/x-msdos-program'],
  ['application/x-executable', 'application/x-elf', 'application/x-sharedlib', 'application/x-pie-executable'],
  ['application/zip', 'application/x-zip-compressed'],
  ['application/gzip', 'application/x-gzip'],
  ['application/x-bzip2', 'application/x-bzip'],
  ['application/vnd.rar', 'application/x-rar', 'application/x-rar-compressed'],
  ['application/x-cfb', 'application/x-ole-storage', 'application/cdfv2'],
  ['application/java-archive', 'application/x-java-archive'],
  ['application/javascript', 'application/x-javascript', 'text/javascript', 'application/ecmascript', 'text/ecmascript'],
  ['application/xml', 'text/xml'],
  ['application/rtf', 'text/rtf'],
  ['application/pdf', 'application/x-pdf'],
];

const GROUP_OF = new Map<string, readonly string[]>();
for (const group of GROUPS) for (const name of group) GROUP_OF.set(name, group);

/** `name` (lower-cased) first, then the other names of its type; just `name` when it has none. */
export function mimeAliases(name: string): readonly string[] {
  const lower = name.toLowerCase();
  const group = GROUP_OF.get(lower);
  return group === undefined ? [lower] : [lower, ...group.filter((other) => other !== lower)];
}

/** Whether two MIME names are the same type, case aside. */
export function sameMime(a: string, b: string): boolean {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  return left === right || (GROUP_OF.get(left) !== undefined && GROUP_OF.get(left) === GROUP_OF.get(right));
}
