/** The web host's token: random per start, compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time equality (hashing first makes the lengths equal). */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * The token a request carries: `Authorization: Bearer T` (the client's calls), or `?token=T`
 * only where `allowQuery` (WebSocket upgrades, where a browser cannot set headers). A POST must
 * use the header: a cross-site form can put a token in a URL, never in a header.
 */
export function requestToken(req: IncomingMessage, url: URL, allowQuery = false): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return allowQuery ? url.searchParams.get('token') : null;
}

/**
 * Origin check against cross-site requests: a browser sends Origin on every POST and WebSocket
 * upgrade, and it must be this host's own origin (http://<the Host header>). Clients that are not
 * browsers (the CLI, scripts) send none and are allowed; they need the token anyway.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return typeof req.headers.host === 'string' && origin === `http://${req.headers.host}`;
}

/** POST bodies must be declared JSON: a cross-site form can only send "simple" content types. */
export function isJsonRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type);
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Host header check against DNS rebinding: a page on evil.example that rebinds its name to
 * 127.0.0.1 sends `Host: evil.example`, which is refused even before the token is looked at.
 */
export function hostAllowed(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0]!;
  return isLoopbackHost(name);
}
