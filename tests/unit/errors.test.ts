import { describe, expect, it } from 'vitest';
import { SerError, fromErrorData, toErrorData } from '../../src/shared/errors.js';

describe('SerError', () => {
  it('round-trips through plain data with code, message and path', () => {
    const err = new SerError('DecodeError', 'not a WAV/MP3/FLAC/OGG file: notes.txt', '/tmp/notes.txt');
    const data = JSON.parse(JSON.stringify(toErrorData(err)));
    expect(data).toEqual({
      code: 'DecodeError',
      message: 'not a WAV/MP3/FLAC/OGG file: notes.txt',
      path: '/tmp/notes.txt',
    });
    const back = fromErrorData(data);
    expect(back).toBeInstanceOf(SerError);
    expect(back.toString()).toBe('DecodeError: not a WAV/MP3/FLAC/OGG file: notes.txt');
  });

  it('wraps foreign errors as InternalError', () => {
    expect(toErrorData(new TypeError('boom'))).toEqual({ code: 'InternalError', message: 'boom' });
  });
});
