/** A scan request after validation: which file, which MIME, and optionally the caller's job id. */
export interface ScanRequest {
  /** The file, relative to the daemon's dump folder. */
  name: string;
  mime: string;
  /** The caller's id for the job (the reference's client sends the file's fuid as `uuid`); one is made when absent. */
  uuid?: string;
  /** Keys of the reference's request that carried commands or their setting: accepted, never used. */
  ignored: string[];
}

/** A request the daemon refuses, with the HTTP status and a message telling the caller what to send. */
export class RequestError extends Error {
  readonly status: number;
  readonly code: string;
  /** Headers the answer needs besides the body (`Allow`, `WWW-Authenticate`, ...). */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * The reference's app side sent the app itself (commands, workdir,
 * environment) and its daemon ran it. This daemon runs its own api.yml's app
 * for the MIME, so these keys are read past: they never reach a shell.
 */
const REFERENCE_APP_KEYS = ['install', 'scripts', 'scanner', 'report', 'workdir', 'environ', 'inited', 'remote', 'shared', 'timeout'];
const KEYS = ['name', 'mime', 'uuid'];
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A job id: a UUID, or a Zeek fuid (`FD1…`) as the reference's bundled client sends; safe in a URL path as it is. */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME = 4096;

const invalid = (message: string) => new RequestError(400, 'E_BAD_REQUEST', message);

/** Parse and check a scan request body; throws RequestError (400) naming the first problem. */
export function parseScanRequest(body: string): ScanRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new RequestError(400, 'E_BAD_JSON', `the body is not valid JSON (${(error as Error).message}); send {"name": "<file relative to the dump folder>", "mime": "<media/subtype>"}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('the body must be a JSON object: {"name": "<file relative to the dump folder>", "mime": "<media/subtype>"}');
  }
  const body_ = value as Record<string, unknown>;
  const ignored: string[] = [];
  for (const key of Object.keys(body_)) {
    if (REFERENCE_APP_KEYS.includes(key)) ignored.push(key);
    else if (!KEYS.includes(key)) throw invalid(`unknown key ${JSON.stringify(key)}: a scan request takes name, mime and uuid`);
  }
  const { name, mime, uuid } = body_;
  if (typeof name !== 'string' || name === '') throw invalid('`name` must be a non-empty string: the file, relative to the dump folder');
  if (name.length > MAX_NAME || name.includes('\0')) throw invalid(`\`name\` must be at most ${MAX_NAME} characters, without NUL`);
  if (typeof mime !== 'string' || !MIME.test(mime)) throw invalid('`mime` must be a MIME type `media/subtype`, e.g. "application/pdf"');
  const id = typeof uuid === 'string' ? jobIdOf(uuid) : undefined;
  if (uuid !== undefined && id === undefined) throw invalid(`\`uuid\`, when given, must be ${JOB_ID_WORDS}`);
  return { name, mime: mime.toLowerCase(), ...(id === undefined ? {} : { uuid: id }), ignored };
}

export const JOB_ID_WORDS = '1 to 64 of A-Z, a-z, 0-9, _ and - (a file\'s fuid like "FHh3Kj2bLqXg1eXs5", or a UUID)';

/** The job id `text` names, or undefined when it is none. UUIDs are case-insensitive, fuids are not. */
export function jobIdOf(text: string): string | undefined {
  if (!JOB_ID.test(text)) return undefined;
  return UUID.test(text) ? text.toLowerCase() : text;
}
