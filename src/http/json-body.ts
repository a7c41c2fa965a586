import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './auth.ts';

/** Whether the request carries a body, by fastify's own rule (a length over 0, or chunked). */
function hasBody(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A hook for routes whose body is JSON: a body of any other content type gets 415 with a
 * message naming what was sent, instead of reaching the route as a string (the app also parses
 * text and XML, for the SOAP intake) and being refused as if its content were wrong. Add it
 * after the key check, so a caller without the key still gets 401/403 first. No body at all
 * passes (the routes' defaults apply).
 */
export async function requireJsonBody(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (!hasBody(request)) return undefined;
  const header = request.headers['content-type'];
  const type = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') return undefined;
  return reply
    .code(415)
    .send(
      errorBody(
        'UNSUPPORTED_MEDIA_TYPE',
        `the body must be JSON sent with Content-Type: application/json (got ${type === '' ? 'no Content-Type' : type})`,
      ),
    );
}
