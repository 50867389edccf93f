/** Static files of the built renderer (out/web). No token needed: they hold no data. */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, resolve, isAbsolute } from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The policy when the page has none (it should: src/renderer/index.html carries a meta tag). */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob: data:; connect-src 'self'";

/** Directives a meta tag cannot carry, added to the header. */
const HEADER_ONLY = "object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/**
 * The page's own policy (its meta tag, the one source of truth) plus header-only directives, so
 * the header and the meta tag never disagree (both apply, so a stricter header would win).
 */
export function cspFor(html: string | null): string {
  const meta = html
    ? /<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(["'])([\s\S]*?)\1/i.exec(html)
    : null;
  const base = (meta?.[2] ?? CSP).trim().replace(/;\s*$/, '');
  const have = new Set(base.split(';').map((d) => d.trim().split(/\s+/)[0]));
  const extra = HEADER_ONLY.split('; ').filter((d) => !have.has(d.split(' ')[0]));
  return [base, ...extra].join('; ');
}

export const MISSING_WEB_BUILD =
  'the web UI is not built: run `npm run build:web`, then start `ser serve` again';

export function webBuildExists(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  securityHeaders(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
      .end('method not allowed\n');
    return;
  }
  if (!webBuildExists(root)) {
    res
      .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end(`SER Studio: ${MISSING_WEB_BUILD}\n`);
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return;
  }
  const file = resolve(root, '.' + (pathname.endsWith('/') ? pathname + 'index.html' : pathname));
  const rel = relative(root, file);
  if (rel.startsWith('..') || isAbsolute(rel) || pathname.includes('\0')) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  let target = file;
  let info = await stat(target).catch(() => null);
  if (!info?.isFile() && !extname(pathname)) {
    // A client-side route (no extension): the app's page.
    target = join(root, 'index.html');
    info = await stat(target).catch(() => null);
  }
  if (!info?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const type = TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
  if (type.startsWith('text/html'))
    res.setHeader('Content-Security-Policy', cspFor(await readFile(target, 'utf8')));
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': info.size,
    // Hashed asset names may be cached; the page itself must not be, so a rebuild shows at once.
    'Cache-Control': target.includes(`${join(root, 'assets')}`)
      ? 'public, max-age=31536000, immutable'
      : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // pipeline, not pipe: a file removed since stat (`npm run build:web` while serving) must end
  // this response, not crash the server with an unhandled stream error.
  await pipeline(createReadStream(target), res);
}
