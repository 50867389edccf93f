/**
 * Errors that cross a boundary (worker, IPC, HTTP, CLI) as plain data.
 * Every engine error is a SerError with a stable `code` so the UI and the CLI can
 * show a one-line reason without a stack trace.
 */
export type SerErrorCode =
  | 'DecodeError'
  | 'UnsupportedFormat'
  | 'FileTooLarge'
  | 'EmptyAudio'
  | 'SilentAudio'
  | 'NoSpeech'
  | 'NotFound'
  | 'DatasetError'
  | 'FeatureError'
  | 'ModelError'
  | 'EncoderError'
  | 'TrainingError'
  | 'Cancelled'
  | 'StoreError'
  | 'ValidationError'
  | 'InternalError';

export interface SerErrorData {
  code: SerErrorCode;
  message: string;
  /** The file or resource the error is about, when there is one. */
  path?: string;
}

export class SerError extends Error {
  readonly code: SerErrorCode;
  readonly path: string | undefined;

  constructor(code: SerErrorCode, message: string, path?: string) {
    super(message);
    this.name = code;
    this.code = code;
    this.path = path;
  }

  toJSON(): SerErrorData {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path };
  }

  /** One line for a user: `DecodeError: not a WAV/MP3/FLAC/OGG file: notes.txt`. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** Turn anything thrown into plain error data, keeping SerError codes. */
export function toErrorData(err: unknown): SerErrorData {
  if (err instanceof SerError) return err.toJSON();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown; path?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string' && isSerErrorCode(e.code)) {
      return typeof e.path === 'string'
        ? { code: e.code, message: e.message, path: e.path }
        : { code: e.code, message: e.message };
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'InternalError', message };
}

export function fromErrorData(data: SerErrorData): SerError {
  return new SerError(data.code, data.message, data.path);
}

const CODES: ReadonlySet<string> = new Set<SerErrorCode>([
  'DecodeError',
  'UnsupportedFormat',
  'FileTooLarge',
  'EmptyAudio',
  'SilentAudio',
  'NoSpeech',
  'NotFound',
  'DatasetError',
  'FeatureError',
  'ModelError',
  'EncoderError',
  'TrainingError',
  'Cancelled',
  'StoreError',
  'ValidationError',
  'InternalError',
]);

export function isSerErrorCode(code: string): code is SerErrorCode {
  return CODES.has(code);
}
