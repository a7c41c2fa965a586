import { isIPv6 } from 'node:net';

export interface ListenDescription {
  /** What the socket is bound to: `0.0.0.0:3001`, or a URL when the host is one address. */
  readonly where: string;
  /** For an all-interfaces bind, the URL to use from this machine; otherwise null. */
  readonly local: string | null;
}

const bracketed = (host: string) => (isIPv6(host) ? `[${host}]` : host);

/**
 * Where verity listens, as it really is. Fastify's own answer for `0.0.0.0` is
 * `http://127.0.0.1:<port>`, which hides that every interface is open; so an all-interfaces bind
 * is named as such, with the loopback URL to use from this machine beside it.
 */
export function describeListen(host: string, port: number): ListenDescription {
  if (host === '0.0.0.0') return { where: `0.0.0.0:${port}`, local: `http://127.0.0.1:${port}` };
  if (host === '::' || host === '::0' || host === '0:0:0:0:0:0:0:0') {
    return { where: `[::]:${port}`, local: `http://[::1]:${port}` };
  }
  return { where: `http://${bracketed(host)}:${port}`, local: null };
}

/** The start line of `verity serve`: where it listens, the database, and any generated keys. */
export function startLine(host: string, port: number, database: string, keys: string | null): string {
  const { where, local } = describeListen(host, port);
  const details = [local && `${local} from this machine`, `database ${database}`, keys].filter(Boolean);
  return `verity listening on ${where} (${details.join('; ')})`;
}
