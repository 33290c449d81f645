import { MEDIA_TYPES } from '../entry/entry.ts';

/** IANA top-level media types; `x-…` names are accepted besides. */
export const TOP_KEYS = ['environment', 'example', ...MEDIA_TYPES];
export const APP_KEYS = ['workdir', 'environ', 'install', 'scripts', 'scanner', 'report', 'remote', 'shared', 'timeout', 'runner', 'image', 'build', 'container', 'mounts', 'warm', 'limits', 'check'];
export const CONTAINER_KEYS = ['network', 'memory', 'cpus', 'pids', 'user', 'read_only', 'mounts', 'args'];
export const LIMIT_KEYS = ['memory', 'cpu', 'processes', 'file_size', 'disk'];
export const SIZE = /^(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)i?b?$/i;
export const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
/** `SOURCE[:TARGET][:ro|rw]`. */
export const MOUNT = /^([^:]+)(?::(\/[^:]*))?(?::(ro|rw))?$/;
/** RFC 2045 token characters, plus the glob syntax `?`, `[`, `]` and `\`. */
export const SUBTYPE = /^[A-Za-z0-9!#$%&'*+.^_`{|}~?[\]\\-]+$/;
export const EXTENSION_MEDIA = /^x-[a-z0-9!#$&^_.+-]+$/;
