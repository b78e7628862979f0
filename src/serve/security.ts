import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error';
import { isLoopbackHost, type ServeConfig } from './serve-config';

/** Name of the cookie that holds the access token after a `?token=` login. */
export const TOKEN_COOKIE = 'fasr_token';

/**
 * Content-Security-Policy of every response: only this origin's scripts, styles and images (no
 * inline script or style), no framing, no form posts elsewhere.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Why a raw request target is refused, or null when it is acceptable. The server maps no path to
 * files, but it refuses path tricks outright rather than let them reach a route: dot segments
 * (plain or percent-encoded, any case), backslashes, NUL bytes (raw or %00), doubled slashes
 * (absolute paths smuggled after a prefix) and encoded slashes.
 */
export function pathTrickReason(rawUrl: string): string | null {
  const q = rawUrl.indexOf('?');
  const p = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (!p.startsWith('/')) return 'the request target must be an absolute path starting with "/"';
  if (p.includes('\0') || /%00/i.test(rawUrl)) return 'NUL bytes are not allowed';
  if (p.includes('\\') || /%5c/i.test(p)) return 'backslashes are not allowed';
  if (/%2f/i.test(p)) return 'encoded slashes are not allowed';
  if (p.includes('//')) return 'empty path segments ("//") are not allowed';
  let decoded: string;
  try {
    decoded = decodeURIComponent(p);
  } catch {
    return 'the path is not valid percent-encoding';
  }
  // Decode twice: a double-encoded "%252e%252e" is a dot segment for any layer that decodes again.
  let twice = decoded;
  try {
    twice = decodeURIComponent(decoded);
  } catch {
    /* a literal "%" left after one decoding is fine: it just is not a second encoding */
  }
  for (const form of [decoded, twice]) {
    if (form.split('/').some((seg) => seg === '..' || seg === '.')) return 'dot segments ("..", ".") are not allowed';
    if (form.includes('\0')) return 'NUL bytes are not allowed';
  }
  return null;
}

/** Hash both sides first so that the comparison is constant-time whatever their lengths. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The host name of a Host header value without its port ('[::1]:8470' → '::1'). */
export function hostNameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(1, end);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function bearerToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m?.[1] ?? '';
}

/** The request URL without its `token` query parameter (where a login redirects to). */
function withoutToken(rawUrl: string): string {
  const u = new URL(rawUrl, 'http://x');
  u.searchParams.delete('token');
  const s = u.searchParams.toString();
  return `${u.pathname}${s === '' ? '' : `?${s}`}`;
}

/**
 * Installs the server's request guards, in this order, on every request (404s included):
 * security headers; path tricks → 400; on a loopback bind, a Host header that is not a loopback
 * name → 421 (DNS rebinding); with a token, no valid token → 401 (a valid `?token=` on a GET sets
 * the cookie and redirects to the same URL without it); a cross-origin `Origin` on a write → 403.
 */
export function installSecurity(app: FastifyInstance, config: Readonly<ServeConfig>): void {
  const loopbackBind = isLoopbackHost(config.host);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');

    const trick = pathTrickReason(req.raw.url ?? '');
    if (trick !== null) throw new HttpError(400, 'E_PATH', `refused request path: ${trick}`);

    const hostHeader = req.headers.host ?? '';
    if (loopbackBind && !isLoopbackHost(hostNameOf(hostHeader))) {
      throw new HttpError(421, 'E_HOST', `refused Host header ${JSON.stringify(hostHeader)}: this server listens on loopback and answers only to localhost, 127.0.0.1 or [::1]`);
    }

    if (config.token !== null) {
      const bearer = bearerToken(req);
      const cookie = readCookie(req.headers.cookie, TOKEN_COOKIE);
      const query = new URL(req.raw.url ?? '/', 'http://x').searchParams.get('token');
      if (bearer !== undefined) {
        if (!tokensEqual(bearer, config.token)) throw new HttpError(401, 'E_TOKEN', 'invalid token in the Authorization header');
      } else if (query !== null) {
        if (!tokensEqual(query, config.token)) throw new HttpError(401, 'E_TOKEN', 'invalid token in ?token=');
        if (req.method === 'GET') {
          reply.header('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(config.token)}; HttpOnly; SameSite=Strict; Path=/`);
          reply.header('Cache-Control', 'no-store');
          return reply.redirect(withoutToken(req.raw.url ?? '/'), 303);
        }
      } else if (cookie !== undefined) {
        if (!tokensEqual(cookie, config.token)) throw new HttpError(401, 'E_TOKEN', 'invalid token cookie; log in again with ?token=');
      } else {
        throw new HttpError(401, 'E_TOKEN', 'this server requires a token: send "Authorization: Bearer <token>" or open any page once with ?token=<token>');
      }
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${hostHeader}` && origin !== `https://${hostHeader}`) {
        throw new HttpError(403, 'E_ORIGIN', `refused cross-origin request from ${JSON.stringify(origin)}`);
      }
    }
    return undefined;
  });
}
