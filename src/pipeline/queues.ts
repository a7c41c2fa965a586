/** Names of the durable work queues. */
export const QUEUES = {
  verify: 'verify-record',
  deliverResult: 'deliver-result',
  /** The Phase-1 scan, due SELF_HEALING_DELAY_AFTER_WEBHOOK after a webhook. */
  selfHealingScan: 'self-healing-scan',
  /** One step of a heal run's state machine (healing/heal-run.ts). */
  healStep: 'heal-step',
  /** One correction to Salesforce for one affected job. */
  correction: 'send-correction',
} as const;
