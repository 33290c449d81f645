import { BroaptError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** One file an engine placed in the dump folder. */
export interface ExtractedFile {
  /** Absolute path inside the dump folder. */
  path: string;
  fuid: string;
}

/** Where one PCAP's output goes. */
export interface ExtractTarget {
  /** The PCAP's log folder: files.log and the other logs. */
  outDir: string;
  /** The dump folder the files go to. */
  dumpDir: string;
  /** Called for each file once it is in place, so analysis starts while the engine is still at work. */
  onFile: (file: ExtractedFile) => void;
  logger: Logger;
}

/** Turns one PCAP into extracted files. */
export interface Engine {
  name: EngineName;
  extract(pcap: string, target: ExtractTarget): Promise<void>;
}

export const ENGINE_NAMES = ['zeek', 'tshark'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** An engine cannot run here, or failed on a PCAP. */
export class EngineError extends BroaptError {
  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(code, message, options);
  }
}
