import { EngineError, type Engine } from './engine.ts';
import { findExecutable } from './executable.ts';

/** The Zeek engine; until it runs Zeek's scripts it only says what to do instead. */
export function zeekEngine(env: NodeJS.ProcessEnv = process.env): Engine {
  const binary = findExecutable('zeek', env.BROAPT_ZEEK?.trim() || undefined, env);
  if (binary === undefined) {
    throw new EngineError(
      'E_NO_ZEEK',
      `no zeek binary found (${env.BROAPT_ZEEK ? `BROAPT_ZEEK=${env.BROAPT_ZEEK} is not an executable file` : 'none on PATH'}). ` +
        'Install Zeek (https://docs.zeek.org/en/current/install.html) and put it on PATH or point BROAPT_ZEEK at it, ' +
        'or extract with tshark instead: --engine tshark (or BROAPT_ENGINE=tshark).',
    );
  }
  throw new EngineError(
    'E_ZEEK_UNSUPPORTED',
    `found ${binary}, but running Zeek on PCAPs is not supported yet. Use --engine tshark (or BROAPT_ENGINE=tshark).`,
  );
}
