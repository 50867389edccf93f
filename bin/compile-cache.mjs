// V8 code cache for the big CommonJS packages `ser` requires (TensorFlow.js: ~3 MB of JavaScript
// in six packages), so a second start does not compile them again. Measured on `ser infer` with
// one clip: ~80 ms of the ~600 ms of CPU a start takes (compiling tfjs's modules was ~85 ms).
// Node 22 does this itself (module.enableCompileCache, used when present); Node 20 has only
// vm.Script's cachedData, so this wraps Module.prototype._compile for files under
// node_modules/@tensorflow/ the way Node compiles a CommonJS module, with cachedData attached.
//
// The cache lives in the OS temp folder, in a folder of the user's own (one file per module and
// Node version; V8 checks the source and its own version and rejects stale data, which is then
// rewritten). Cached code runs as the user, so it is read only from folders the user owns and
// nobody else can write to (on a shared /tmp another user could plant files otherwise). Writes
// happen at exit, to a temp file renamed into place (concurrent starts never read a half-written
// file); any failure to read or write only means compiling as usual. SER_NO_COMPILE_CACHE=1 turns
// it off.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import vm from 'node:vm';

const PACKAGES = `${sep}node_modules${sep}@tensorflow${sep}`;

/** The folder exists, is this user's, and only they can write to it (Windows: per-user temp). */
function ownPrivateDir(dir) {
  try {
    const s = statSync(dir);
    if (!s.isDirectory()) return false;
    return typeof process.getuid !== 'function' || (s.uid === process.getuid() && (s.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

/**
 * Turn the cache on for modules required from now on. Returns counts for tests: modules compiled
 * through the cache and how many of them V8 accepted cached data for (null: off, or Node's own).
 */
export function enableCompileCache() {
  if (process.env.SER_NO_COMPILE_CACHE) return null;
  if (typeof Module.enableCompileCache === 'function') {
    Module.enableCompileCache();
    return null;
  }
  const stats = { modules: 0, fromCache: 0 };
  const root = join(tmpdir(), `ser-compile-cache-${process.getuid?.() ?? 'user'}`);
  const dir = join(root, `${process.version}-${process.arch}`);
  const readable = ownPrivateDir(root) && ownPrivateDir(dir);
  const pending = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!filename.includes(PACKAGES)) return compile.call(this, content, filename);
    return compileCached(this, content, filename);
  };
  function compileCached(mod, content, filename) {
    const file = join(dir, createHash('sha1').update(filename).digest('hex'));
    let cachedData;
    try {
      cachedData = readable ? readFileSync(file) : undefined;
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    stats.modules++;
    if (cachedData && !script.cachedDataRejected) stats.fromCache++;
    else pending.push({ file, script });
    // What Node's own wrapper receives: exports, require, module, __filename, __dirname.
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(mod.exports, mod.exports, require, mod, filename, dirname(filename));
  }
  // After the run, so the data holds the functions compiled while it ran, not only the top level.
  process.once('exit', () => {
    if (pending.length === 0) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!ownPrivateDir(root) || !ownPrivateDir(dir)) return;
      for (const { file, script } of pending) {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, file);
      }
    } catch {
      // A read-only or full temp folder: the next start compiles as this one did.
    }
  });
  return stats;
}
