import { z } from 'zod';
import type { Issue } from '../domain/issues/issue.ts';
import { fixOpSchema } from '../domain/rule-set/fix-ops.ts';

/**
 * The one interface every diagnostician implements: the built-in pair (lexical, value-profile)
 * and the LLM providers alike. Each answer is a zod-checked value; an answer that does not
 * parse is no answer, and never becomes a fix.
 */

/** What a diagnostician sees of one issue (DESIGN.md §4): bounded, redacted, the same for all. */
export interface ContextPack {
  readonly issue: Issue;
  /** How many stored jobs share the signature. */
  readonly frequency: number;
  /** Values the key (or the missed value's source) carries across stored jobs, most frequent first. */
  readonly keyValues: readonly string[];
  /**
   * Other unmapped keys of stored jobs that share the key's affix pattern or appear beside it
   * (`Model_Number_Legacy` beside `Brand_Legacy`), with how many jobs carry each.
   */
  readonly relatedKeys: readonly {
    family: string;
    key: string;
    normalisedKey: string;
    jobs: number;
    values: readonly string[];
  }[];
  /** Candidate fields: their definition, and values they carried in stored verified results. */
  readonly fields: readonly {
    id: string;
    label: string;
    type: string;
    unit?: string;
    aliases: readonly string[];
    values: readonly string[];
  }[];
  /** The source families of the active rule set. */
  readonly families: readonly {
    id: string;
    label: string;
    layout: string;
    suffixes: readonly string[];
    prefixes: readonly string[];
    keys: readonly string[];
  }[];
  /** For a picklist miss: entries near the value, and the picklist names verified on jobs that carry it. */
  readonly picklist?: {
    readonly name: 'brand' | 'category' | 'style';
    readonly near: readonly string[];
    readonly cooccurring: readonly { name: string; jobs: number }[];
  };
  /** Redacted excerpts of a few affected payloads (for LLMs; the built-ins need only the above). */
  readonly samples: readonly { jobId: string; excerpt: Record<string, unknown> }[];
}

const confidence = z.number().min(0).max(100);

export const diagnosisSchema = z.object({
  rootCause: z.string().trim().min(1).max(2000),
  /** The primary fix: the fewest ops that remove the issue's signature. */
  fixOps: z.array(fixOpSchema).max(20),
  /** Ops that prevent recurrence elsewhere (other spellings, the whole renamed family). */
  systemWideOps: z.array(fixOpSchema).max(30),
  confidence,
  rationale: z.string().max(4000),
});
export type Diagnosis = z.infer<typeof diagnosisSchema>;

export const reviewSchema = z.object({
  agrees: z.boolean(),
  confidence,
  concerns: z.array(z.string().max(1000)).max(20),
  suggestions: z.array(z.string().max(1000)).max(20),
});
export type Review = z.infer<typeof reviewSchema>;

/** What an attempt did to the original job, for the before/after review. */
export interface AttemptOutcome {
  readonly ops: readonly z.infer<typeof fixOpSchema>[];
  readonly signatureGone: boolean;
  readonly regressions: readonly { jobId: string; path: string; before: unknown; after: unknown }[];
  readonly changes: readonly {
    jobId: string;
    path: string;
    before: unknown;
    after: unknown;
    sources: readonly string[];
  }[];
}

export const outcomeReviewSchema = z.object({
  approved: z.boolean(),
  confidence,
  concerns: z.array(z.string().max(1000)).max(20),
});
export type OutcomeReview = z.infer<typeof outcomeReviewSchema>;

/** The complete picture for the final approval gate (Phase 5). */
export interface FinalSummary {
  readonly issue: Issue;
  readonly ops: readonly z.infer<typeof fixOpSchema>[];
  readonly diff: readonly string[];
  readonly jobsChecked: number;
  readonly jobsImproved: number;
  readonly regressions: number;
  readonly sampleChanges: AttemptOutcome['changes'];
}

export const finalApprovalSchema = z.object({
  approved: z.boolean(),
  confidence,
  reasoning: z.string().max(4000),
});
export type FinalApproval = z.infer<typeof finalApprovalSchema>;

export interface Diagnostician {
  /** `lexical`, `value-profile`, `openai`, `xai`... */
  readonly name: string;
  diagnose(pack: ContextPack): Promise<Diagnosis>;
  /** Review another diagnosis; the author is not named. */
  review(pack: ContextPack, diagnosis: Diagnosis): Promise<Review>;
  /** Review what an attempt did to the original job (before/after). */
  reviewOutcome(pack: ContextPack, outcome: AttemptOutcome): Promise<OutcomeReview>;
  /** A better fix, given the previous one and every review of it. */
  improve(
    pack: ContextPack,
    previous: Diagnosis,
    reviews: readonly (Review | OutcomeReview)[],
  ): Promise<Diagnosis>;
  finalApproval(summary: FinalSummary): Promise<FinalApproval>;
  /**
   * The calls made since the last take, then forgotten (LLM providers; the built-ins make none).
   * The heal runner takes them after each step and stores them with the run.
   */
  takeCalls?(): readonly CallRecord[];
}

/** One call to a provider: what it cost and, for audit and replay, what it answered. */
export interface CallRecord {
  /** The diagnostician's name (`openai`, `xai`, ...). */
  readonly provider: string;
  /** `diagnose`, `review`, `review_outcome`, `improve`, `final_approval`. */
  readonly step: string;
  readonly model: string;
  /** The prompt files' versions and content hash (`diagnose.v1#1a2b3c4d`). */
  readonly promptVersion: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** Wall time of the call, retries included. */
  readonly latencyMs: number;
  /** US dollars, or null when the model has no price. */
  readonly costUsd: number | null;
  /** The answer's text as received (bounded), or null when none came. */
  readonly rawAnswer: string | null;
  /** Why the call failed, or null. */
  readonly error: string | null;
  readonly at: string;
}

/** A diagnosis that proposes nothing: "no rule-set fix is right here". */
export function noFix(rootCause: string, confidence: number, rationale: string): Diagnosis {
  return { rootCause, fixOps: [], systemWideOps: [], confidence, rationale };
}
