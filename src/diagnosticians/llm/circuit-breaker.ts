/**
 * One breaker per provider: after `failureThreshold` consecutive failed calls it opens and every
 * call fails at once (no waiting on a provider that is down) until `cooldownMs` has passed; then
 * one trial call is let through (half-open): success closes it, failure opens it again.
 */

export class CircuitOpenError extends Error {
  readonly code = 'DIAGNOSTICIAN_CIRCUIT_OPEN';
  readonly retryable = true;
  constructor(
    readonly provider: string,
    readonly retryAt: number,
  ) {
    super(
      `${provider}: circuit open after repeated failures; next trial at ${new Date(retryAt).toISOString()}`,
    );
  }
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    readonly provider: string,
    private readonly failureThreshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half_open' : 'open';
  }

  /** Throws CircuitOpenError when the call may not go out now. */
  enter(): void {
    const state = this.state;
    if (state === 'closed') return;
    if (state === 'half_open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return;
    }
    throw new CircuitOpenError(this.provider, (this.openedAt ?? this.now()) + this.cooldownMs);
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failed(): void {
    this.failures += 1;
    if (this.trialInFlight || this.failures >= this.failureThreshold) this.openedAt = this.now();
    this.trialInFlight = false;
  }
}
