import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Salesforce's webhook receiver on 127.0.0.1: it records every request and
 * answers from a script (status codes in order; the last one repeats).
 */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: unknown;
}

export interface LoopbackReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Replace the remaining script. */
  script(statuses: number[]): void;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface RespondingReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in Salesforce that answers each request with the status the function picks; `null`
 * leaves the request unanswered (a crash test kills the sender meanwhile).
 */
export async function startRespondingReceiver(
  respond: (request: ReceivedRequest) => number | null,
): Promise<RespondingReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const received = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
        json,
      };
      requests.push(received);
      const status = respond(received);
      if (status === null) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ success: status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/apexrest/catalog_verification`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A receiver answering from a script of status codes (in order; the last one repeats). */
export async function startReceiver(statuses: number[] = [200]): Promise<LoopbackReceiver> {
  let script = [...statuses];
  const receiver = await startRespondingReceiver(() =>
    script.length > 1 ? script.shift()! : (script[0] ?? 200),
  );
  return {
    ...receiver,
    script(next) {
      script = [...next];
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.requests.length < count) {
        if (Date.now() > deadline)
          throw new Error(`receiver got ${receiver.requests.length} of ${count} requests`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
