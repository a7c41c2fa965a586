import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type {
  AttemptOutcome,
  ContextPack,
  Diagnosis,
  Diagnostician,
  FinalSummary,
  OutcomeReview,
  Review,
} from '../../src/diagnosticians/diagnostician.ts';

/**
 * A stand-in for an OpenAI-compatible chat-completions endpoint on 127.0.0.1 (OpenAI, xAI): it
 * records every request verity sends — headers, body, the step and the DATA block — and answers
 * from a script, one reply per request. Faults live here (CONVENTIONS.md "Real over fake"): an
 * HTTP status with headers, a reset connection, a request left unanswered, a malformed answer.
 */

export interface ChatRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as it arrived. */
  readonly raw: string;
  readonly body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
    [key: string]: unknown;
  };
  /** The response format's name: `diagnose`, `review`, `review_outcome`, `improve`, `final_approval`. */
  readonly step: string | null;
  /** The JSON inside the user message's DATA block. */
  readonly data: Record<string, unknown>;
}

export type StubReply =
  /** A completion whose message content is `content` (a value is sent as its JSON text). */
  | {
      readonly answer: unknown;
      readonly raw?: false;
      readonly delayMs?: number;
      readonly finishReason?: string;
    }
  /** A completion whose content is this exact text (malformed JSON, an empty string, null). */
  | { readonly content: string | null; readonly delayMs?: number }
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: unknown;
      readonly delayMs?: number;
    }
  | { readonly reset: true }
  | { readonly hang: true };

export type Responder = (request: ChatRequest, index: number) => StubReply | Promise<StubReply>;

export interface ChatStub {
  /** Base URL to give the SDK (`http://127.0.0.1:<port>/v1`). */
  readonly baseUrl: string;
  readonly requests: ChatRequest[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

function dataOf(body: ChatRequest['body']): Record<string, unknown> {
  const user = body.messages?.find((message) => message.role === 'user')?.content ?? '';
  const match = /<DATA>\n([\s\S]*)\n<\/DATA>$/.exec(user);
  if (!match) return {};
  try {
    return JSON.parse(match[1]!) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function startChatStub(responder: Responder): Promise<ChatStub> {
  let current = responder;
  const requests: ChatRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: ChatRequest['body'] = {};
      try {
        body = JSON.parse(raw) as ChatRequest['body'];
      } catch {
        body = {};
      }
      const received: ChatRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        raw,
        body,
        step: body.response_format?.json_schema?.name ?? null,
        data: dataOf(body),
      };
      requests.push(received);
      let reply: StubReply;
      try {
        reply = await current(received, requests.length - 1);
      } catch (error) {
        reply = { status: 599, body: { error: { message: `stub responder failed: ${String(error)}` } } };
      }
      if ('reset' in reply) {
        request.socket.destroy();
        return;
      }
      if ('hang' in reply) return;
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if ('status' in reply) {
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        response.end(JSON.stringify(reply.body ?? { error: { message: `stub status ${reply.status}` } }));
        return;
      }
      const content =
        'answer' in reply ? JSON.stringify(reply.answer) : (reply as { content: string | null }).content;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: `chatcmpl-stub-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model ?? 'unknown',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, refusal: null },
              finish_reason: 'answer' in reply ? (reply.finishReason ?? 'stop') : 'stop',
              logprobs: null,
            },
          ],
          usage: {
            prompt_tokens: Math.ceil(raw.length / 4),
            completion_tokens: Math.ceil((content ?? '').length / 4),
            total_tokens: Math.ceil(raw.length / 4) + Math.ceil((content ?? '').length / 4),
          },
        }),
      );
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    respond(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A model that reasons like a built-in diagnostician: it reads the DATA block verity sent and
 * answers what the built-in answers — so that the stand-in's answers are sensible, exact and
 * deterministic, and every answer is produced from what actually crossed the wire (redacted,
 * trimmed), not from what verity holds.
 */
export function builtinResponder(diagnostician: Diagnostician, delayMs = 0): Responder {
  return async (request) => ({ answer: await builtinAnswer(diagnostician, request), delayMs });
}

export async function builtinAnswer(diagnostician: Diagnostician, request: ChatRequest): Promise<unknown> {
  const data = request.data;
  const pack = data.contextPack as ContextPack;
  switch (request.step) {
    case 'diagnose':
      return diagnostician.diagnose(pack);
    case 'review':
      return diagnostician.review(pack, data.diagnosisUnderReview as Diagnosis);
    case 'review_outcome':
      return diagnostician.reviewOutcome(pack, data.outcome as AttemptOutcome);
    case 'improve':
      return diagnostician.improve(
        pack,
        data.previousDiagnosis as Diagnosis,
        data.reviews as (Review | OutcomeReview)[],
      );
    case 'final_approval':
      return diagnostician.finalApproval(data.summary as FinalSummary);
    default:
      throw new Error(`unknown step ${String(request.step)}`);
  }
}
