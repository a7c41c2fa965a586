import type OpenAI from 'openai';
import type { ZodType } from 'zod';
import type { FixOp } from '../../domain/rule-set/fix-ops.ts';
import {
  type AttemptOutcome,
  type CallRecord,
  type ContextPack,
  type Diagnosis,
  type Diagnostician,
  diagnosisSchema,
  type FinalApproval,
  type FinalSummary,
  type OutcomeReview,
  outcomeReviewSchema,
  type Review,
  reviewSchema,
} from '../diagnostician.ts';
import { type CircuitBreaker, CircuitOpenError } from './circuit-breaker.ts';
import { boundOutcome, boundPack, boundSummary, estimateTokens, LEVELS } from './message-budget.ts';
import type { Pricing } from './pricing.ts';
import type { PromptSet } from './prompt-set.ts';
import type { Redactor } from './redact.ts';
import { fromWire, responseFormat, STEP_SCHEMAS, type Step } from './response-formats.ts';

/**
 * A diagnostician over any OpenAI-compatible chat-completions endpoint (OpenAI, xAI, Azure,
 * Ollama, vLLM), through the official `openai` SDK.
 *
 * Every call: the message is built from the prompt files and the data, trimmed to the token
 * budget and redacted (nothing personal leaves the process); the answer must come back as JSON
 * in the step's response format and is parsed again with the zod schema. The SDK retries
 * timeouts, connection errors, 429 (honouring `retry-after`) and 5xx with backoff; an answer that
 * is empty, not JSON or outside the schema is asked once more. A call that still fails throws —
 * the heal runner turns that into "diagnostician unavailable" — and counts against the
 * provider's circuit breaker. Nothing a provider answers is applied here: ops are data that face
 * the consensus, trial, regression and approval gates like any other.
 */

export interface ChatDiagnosticianOptions {
  /** `openai`, `xai`, or a configured name. */
  readonly name: string;
  readonly client: OpenAI;
  readonly model: string;
  readonly prompts: PromptSet;
  readonly redactor: Redactor;
  readonly pricing: Pricing;
  readonly breaker: CircuitBreaker;
  /** Estimated tokens one call may send. */
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  /** Extra asks when an answer is empty, not JSON or outside the schema (default 1). */
  readonly invalidAnswerRetries?: number;
  readonly now?: () => Date;
}

/** Fields the ops name: the pack keeps them whatever the budget, so that a reviewer can judge. */
function fieldsOf(...lists: readonly (readonly FixOp[])[]): Set<string> {
  const fields = new Set<string>();
  for (const op of lists.flat()) {
    if ('field' in op && typeof op.field === 'string') fields.add(op.field);
  }
  return fields;
}

/** A call that produced no usable answer. */
export class DiagnosticianCallError extends Error {
  readonly code = 'DIAGNOSTICIAN_CALL_FAILED';
  readonly retryable = true;
  constructor(
    readonly provider: string,
    readonly step: string,
    message: string,
  ) {
    super(`${provider} ${step}: ${message}`);
  }
}

/** Longest raw answer kept in the transcript. */
const RAW_ANSWER_LIMIT = 20_000;

/** The fields of a diagnosis and nothing else: a reviewer never learns who wrote it. */
const anonymous = (diagnosis: Diagnosis): Diagnosis => diagnosisSchema.parse(diagnosis);

export class ChatDiagnostician implements Diagnostician {
  readonly name: string;
  private calls: CallRecord[] = [];

  constructor(private readonly options: ChatDiagnosticianOptions) {
    this.name = options.name;
  }

  diagnose(pack: ContextPack): Promise<Diagnosis> {
    return this.call('diagnose', (limits) => ({ contextPack: boundPack(pack, limits) }));
  }

  review(pack: ContextPack, diagnosis: Diagnosis): Promise<Review> {
    return this.call('review', (limits) => ({
      contextPack: boundPack(pack, limits, fieldsOf(diagnosis.fixOps, diagnosis.systemWideOps)),
      diagnosisUnderReview: anonymous(diagnosis),
    }));
  }

  reviewOutcome(pack: ContextPack, outcome: AttemptOutcome): Promise<OutcomeReview> {
    return this.call('review_outcome', (limits) => ({
      contextPack: boundPack(pack, limits, fieldsOf(outcome.ops)),
      outcome: boundOutcome(outcome, limits),
    }));
  }

  improve(
    pack: ContextPack,
    previous: Diagnosis,
    reviews: readonly (Review | OutcomeReview)[],
  ): Promise<Diagnosis> {
    return this.call('improve', (limits) => ({
      contextPack: boundPack(pack, limits, fieldsOf(previous.fixOps, previous.systemWideOps)),
      previousDiagnosis: anonymous(previous),
      reviews: reviews.map((review) =>
        'agrees' in review ? reviewSchema.parse(review) : outcomeReviewSchema.parse(review),
      ),
    }));
  }

  finalApproval(summary: FinalSummary): Promise<FinalApproval> {
    return this.call('final_approval', (limits) => ({ summary: boundSummary(summary, limits) }));
  }

  takeCalls(): readonly CallRecord[] {
    const taken = this.calls;
    this.calls = [];
    return taken;
  }

  /** The messages of one step: the smallest trim level that fits the budget, redacted. */
  messages(step: Step, data: (limits: (typeof LEVELS)[number]) => unknown) {
    const { prompts, redactor, maxInputTokens } = this.options;
    const overhead = estimateTokens(prompts.system.text) + estimateTokens(prompts.steps[step].text) + 50;
    let body = '';
    for (const limits of LEVELS) {
      // `<` escaped so that no value can close the DATA block; JSON reads \u003c as `<`.
      body = JSON.stringify(redactor.redact(data(limits))).replace(/</g, '\\u003c');
      if (overhead + estimateTokens(body) <= maxInputTokens) break;
    }
    return [
      { role: 'system' as const, content: prompts.system.text },
      {
        role: 'user' as const,
        content: `${prompts.steps[step].text}\n\n<DATA>\n${body}\n</DATA>`,
      },
    ];
  }

  private async call<T>(step: Step, data: (limits: (typeof LEVELS)[number]) => unknown): Promise<T> {
    const { breaker } = this.options;
    try {
      breaker.enter();
    } catch (error) {
      this.record(step, { tokensIn: 0, tokensOut: 0, latencyMs: 0, rawAnswer: null, error: message(error) });
      throw error;
    }
    const messages = this.messages(step, data);
    const schema = STEP_SCHEMAS[step] as ZodType;
    const asks = 1 + (this.options.invalidAnswerRetries ?? 1);
    let lastError = 'no answer';
    for (let ask = 0; ask < asks; ask += 1) {
      const outcome = await this.ask(step, messages, schema);
      if (outcome.ok) {
        breaker.succeeded();
        return outcome.value as T;
      }
      lastError = outcome.error;
      // A transport failure has been retried by the SDK already: asking again would not help.
      if (!outcome.invalidAnswer) break;
    }
    breaker.failed();
    throw new DiagnosticianCallError(this.name, step, lastError);
  }

  private async ask(
    step: Step,
    messages: ReturnType<ChatDiagnostician['messages']>,
    schema: ZodType,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: string; invalidAnswer: boolean }> {
    const { client, model, maxOutputTokens } = this.options;
    const started = performance.now();
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create({
        model,
        messages,
        response_format: responseFormat(step),
        temperature: 0,
        max_tokens: maxOutputTokens,
      });
    } catch (error) {
      const text = message(error);
      this.record(step, {
        tokensIn: 0,
        tokensOut: 0,
        latencyMs: performance.now() - started,
        rawAnswer: null,
        error: text,
      });
      return { ok: false, error: text, invalidAnswer: false };
    }
    const latencyMs = performance.now() - started;
    const choice = completion.choices?.[0];
    const content = choice?.message?.content ?? null;
    const tokensIn =
      completion.usage?.prompt_tokens ?? estimateTokens(messages.map((entry) => entry.content).join(''));
    const tokensOut = completion.usage?.completion_tokens ?? estimateTokens(content ?? '');
    const problem = answerProblem(choice, content, schema);
    this.record(step, {
      tokensIn,
      tokensOut,
      latencyMs,
      rawAnswer: content === null ? null : content.slice(0, RAW_ANSWER_LIMIT),
      error: problem.error,
    });
    return problem.error === null
      ? { ok: true, value: problem.value }
      : { ok: false, error: problem.error, invalidAnswer: true };
  }

  private record(
    step: Step,
    call: Pick<CallRecord, 'tokensIn' | 'tokensOut' | 'latencyMs' | 'rawAnswer' | 'error'>,
  ): void {
    const { model, prompts, pricing, now } = this.options;
    this.calls.push({
      provider: this.name,
      step,
      model,
      promptVersion: `${prompts.system.version}+${prompts.steps[step].version}`,
      ...call,
      latencyMs: Math.round(call.latencyMs),
      costUsd: pricing.cost(model, call.tokensIn, call.tokensOut),
      at: (now ?? (() => new Date()))().toISOString(),
    });
  }
}

/** Why an answer cannot be used, or its parsed value. */
function answerProblem(
  choice: OpenAI.Chat.Completions.ChatCompletion.Choice | undefined,
  content: string | null,
  schema: ZodType,
): { error: string; value?: undefined } | { error: null; value: unknown } {
  if (choice?.message?.refusal) return { error: `refused: ${choice.message.refusal.slice(0, 300)}` };
  if (content === null || content.trim() === '') return { error: 'empty answer' };
  if (choice?.finish_reason === 'length') return { error: 'answer cut off at the output token limit' };
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { error: 'malformed JSON' };
  }
  const parsed = schema.safeParse(fromWire(json));
  if (!parsed.success) {
    const first = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { error: `answer outside the schema: ${first}` };
  }
  return { error: null, value: parsed.data };
}

function message(error: unknown): string {
  if (error instanceof CircuitOpenError) return error.message;
  if (error instanceof Error) {
    const status = (error as { status?: number }).status;
    return status ? `HTTP ${status}: ${error.message}`.slice(0, 500) : error.message.slice(0, 500);
  }
  return String(error).slice(0, 500);
}
