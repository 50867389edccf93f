/** Path containment, after the caller has resolved symlinks where that matters. */
import { isAbsolute, relative, sep } from 'node:path';

/** `a` is `b` or inside it. */
export function isInside(a: string, b: string): boolean {
  const rel = relative(b, a);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
