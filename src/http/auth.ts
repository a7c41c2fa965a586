import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Key checks in constant time: both sides are hashed first, so neither the content nor the
 * length of the configured key leaks through timing.
 */
export function keysMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `Authorization: Bearer <key>`; the scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^bearer[ \t]+(\S.*?)[ \t]*$/i;

/**
 * The key a request presents: `x-api-key: <key>`, or else `Authorization: Bearer <key>`. When
 * `x-api-key` is given it is the key, right or wrong. Another scheme or an empty token is no key.
 */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string') return null;
  return BEARER.exec(authorization)?.[1] ?? null;
}

/** The peer's global error body (PEER-CONTRACT §1). */
export function errorBody(code: string, message: string) {
  return { success: false, error: { code, message }, timestamp: new Date().toISOString() };
}

/**
 * The key check as a route hook: 401 without a key, 403 with a wrong one (the peer's
 * semantics). Use it as `onRequest`, so that it runs before the body is read: a caller without
 * the key learns nothing from body errors (400 malformed, 413 too large, 415 content type) and
 * cannot make verity read and parse a body at all. It also works as a `preHandler`.
 */
export function requireKey(expected: () => string | undefined, realm: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> =>
    refuseWithoutKey(request, reply, [expected()], realm);
}

/** 401 without a key, 403 when it is none of the configured `keys`; undefined when it is one. */
export function refuseWithoutKey(
  request: FastifyRequest,
  reply: FastifyReply,
  keys: readonly (string | undefined)[],
  realm: string,
): FastifyReply | undefined {
  const key = presentedKey(request);
  if (key === null) {
    return reply
      .code(401)
      .send(errorBody('UNAUTHORIZED', `${realm} key required in x-api-key or Authorization: Bearer`));
  }
  // Every configured key is compared, so the time taken does not say which one was close.
  const matches = keys.map((configured) => configured !== undefined && keysMatch(key, configured));
  if (!matches.includes(true)) return reply.code(403).send(errorBody('FORBIDDEN', `invalid ${realm} key`));
  return undefined;
}
