import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process; `GET /metrics` serves the registry. */
export class Metrics {
  readonly registry = new Registry();
  readonly recordsReceived = new Counter({
    name: 'verity_records_received_total',
    help: 'Records received, by outcome (accepted, duplicate, rejected)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly verifications = new Counter({
    name: 'verity_verifications_total',
    help: 'Verifications finished, by verification status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly verificationSeconds = new Histogram({
    name: 'verity_verification_seconds',
    help: 'Time to verify one record',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'verity_deliveries_total',
    help: 'Outbound delivery attempts, by kind and result',
    labelNames: ['kind', 'result'],
    registers: [this.registry],
  });
  readonly unmappedKeys = new Counter({
    name: 'verity_unmapped_keys_total',
    help: 'Source keys no field claimed, by source family',
    labelNames: ['family'],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }
}
