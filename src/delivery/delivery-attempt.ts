import type { DeliveryAttempt } from '../store/delivery-repository.ts';
import type { PostOutcome } from './signed-post.ts';

/** The stored record of one POST to Salesforce (a result or a correction). */
export function deliveryAttempt(input: {
  readonly jobId: string;
  readonly kind: 'result' | 'correction';
  readonly deliveryId: string;
  readonly attempt: number;
  readonly url: string;
  readonly outcome: PostOutcome;
  readonly at: string;
}): DeliveryAttempt {
  return {
    job_id: input.jobId,
    kind: input.kind,
    delivery_id: input.deliveryId,
    attempt: input.attempt,
    url: input.url,
    status_code: input.outcome.statusCode,
    error: input.outcome.error,
    response_excerpt: input.outcome.responseBody.slice(0, 500),
    duration_ms: input.outcome.durationMs,
    succeeded: input.outcome.ok ? 1 : 0,
    attempted_at: input.at,
  };
}

/** The `result` label of the deliveries metric. */
export function deliveryResult(ok: boolean, final: boolean): 'delivered' | 'given_up' | 'retrying' {
  return ok ? 'delivered' : final ? 'given_up' : 'retrying';
}
