import { BroaptError } from '../errors.ts';

/** One file an engine placed in the dump folder. */
export interface ExtractedFile {
  /** Absolute path inside the dump folder. */
  path: string;
  fuid: string;
}

/**
 * Turns one PCAP into extracted files: `outDir` receives the PCAP's logs
 * (files.log), `dumpDir` the files, each handed to `onFile` as soon as it is in
 * place so analysis starts while the engine is still at work.
 */
export interface Engine {
  name: EngineName;
  extract(pcap: string, outDir: string, dumpDir: string, onFile: (file: ExtractedFile) => void): Promise<void>;
}

export const ENGINE_NAMES = ['zeek', 'tshark'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** An engine cannot run here, or failed on a PCAP. */
export class EngineError extends BroaptError {
  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(code, message, options);
  }
}
