/** Names of the durable work queues. */
export const QUEUES = {
  verify: 'verify-record',
  deliverResult: 'deliver-result',
  /** The Phase-1 scan, due SELF_HEALING_DELAY_AFTER_WEBHOOK after a webhook. */
  selfHealingScan: 'self-healing-scan',
} as const;
