/** Where the built renderer for the web host lives: out/web at the repository root. */
import { fileURLToPath } from 'node:url';

export function defaultWebDir(): string {
  // src/main/server -> repository root.
  return fileURLToPath(new URL('../../../out/web', import.meta.url));
}
