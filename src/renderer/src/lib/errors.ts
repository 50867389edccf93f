/** One readable line for anything thrown or returned as an error (`DecodeError: not a WAV ...`). */
export function errorText(err: unknown): string {
  if (err === null || err === undefined) return 'Unknown error';
  if (typeof err === 'string') return err;
  if (typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; name?: unknown };
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(err);
    const code =
      typeof e.code === 'string' ? e.code : typeof e.name === 'string' && e.name !== 'Error' ? e.name : '';
    return code && !message.startsWith(`${code}:`) ? `${code}: ${message}` : message;
  }
  return String(err);
}
