/**
 * The folders a user chose (Electron: what the folder dialog returned; web host: `--allow DIR`).
 * Every path that arrives through the API must lie inside one of them, after symlinks and `..`
 * are resolved, so a renderer (or anyone holding the web token) cannot read arbitrary files.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { isInside } from '../util/inside.js';
import { SerError } from '../../shared/errors.js';

interface Root {
  /** As given, resolved lexically. */
  given: string;
  /** With symlinks resolved. */
  real: string;
}

const inside = (root: string, p: string): boolean => isInside(p, root);

export class AllowedRoots {
  private roots: Root[] = [];

  /**
   * `unrestricted`: every path is allowed and passed on as given (resolved), so the engine reports
   * a missing file in its own words. Only for the `ser` CLI, whose caller is the user at a shell
   * with the user's own permissions; the app and the web host always restrict.
   */
  constructor(readonly unrestricted = false) {}

  /** Add a folder; it must exist. Returns its resolved path. */
  async add(dir: string): Promise<string> {
    const given = resolve(dir);
    let real: string;
    try {
      real = await realpath(given);
    } catch {
      throw new SerError('NotFound', `folder not found: ${dir}`, dir);
    }
    if (!(await stat(real)).isDirectory()) throw new SerError('ValidationError', `not a folder: ${dir}`, dir);
    if (!this.roots.some((r) => r.real === real)) this.roots.push({ given, real });
    return given;
  }

  list(): string[] {
    return this.roots.map((r) => r.given);
  }

  /** The folders with symlinks resolved, for checks that see real paths (dataset scans); undefined: unrestricted. */
  realRoots(): string[] | undefined {
    return this.unrestricted ? undefined : this.roots.map((r) => r.real);
  }

  /**
   * The real path of `p` if it lies inside an allowed folder, else a ValidationError. A path that
   * does not exist gives NotFound only when it would be inside, so nothing leaks about other folders.
   */
  async check(p: string): Promise<string> {
    const outside = () =>
      new SerError(
        'ValidationError',
        this.roots.length === 0
          ? `path outside the folders you chose (none chosen yet): ${p}`
          : `path outside the folders you chose: ${p}`,
        p,
      );
    if (this.unrestricted) return resolve(p);
    if (!isAbsolute(p)) throw new SerError('ValidationError', `path must be absolute: ${p}`, p);
    const lexical = resolve(p);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch {
      if (!this.roots.some((r) => inside(r.given, lexical) || inside(r.real, lexical))) throw outside();
      throw new SerError('NotFound', `no such file or folder: ${p}`, p);
    }
    if (!this.roots.some((r) => inside(r.real, real))) throw outside();
    return real;
  }
}
