import { z } from 'zod';
import { hasUrlCredentials, redactUrlCredentials } from '../observability/redact-url.ts';

/**
 * Every setting verity reads, with its default. The seed's names are kept exactly as the seed
 * spells them (`../shared/seed/self-healing-implementation-guide.md`); the rest is what a real
 * deployment needs. Loaded once in the composition root, validated, frozen and passed down.
 */

const booleanFlag = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integer = (defaultValue: number, min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(defaultValue);

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const optionalUrl = optionalText
  .refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), 'must be an http(s) URL')
  .refine(
    (value) => value === undefined || !hasUrlCredentials(value),
    'must not contain credentials (user:password@host): fetch refuses such URLs; send a key with SF_API_KEY',
  );

const optionalBaseUrl = optionalUrl.refine(
  (value) => value === undefined || /^https?:\/\/[^/]+(\/.*)?$/.test(value),
  'must be an http(s) base URL such as https://api.openai.com/v1',
);

/** Diagnosticians that can be named in DUAL_AI_PROVIDERS. */
export const PROVIDER_NAMES = ['openai', 'xai', 'lexical', 'value-profile'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const price = z.number().min(0).max(100_000);
const priceTableSchema = z.record(z.string().min(1), z.object({ input: price, output: price }).strict());
export type PriceTable = z.infer<typeof priceTableSchema>;

/** The pair that diagnoses: DUAL_AI_PROVIDERS, else OpenAI + xAI when both keys are set, else the built-ins. */
export function diagnosticianPair(config: {
  readonly DUAL_AI_PROVIDERS?: readonly [ProviderName, ProviderName] | undefined;
  readonly OPENAI_API_KEY?: string | undefined;
  readonly XAI_API_KEY?: string | undefined;
}): readonly [ProviderName, ProviderName] {
  if (config.DUAL_AI_PROVIDERS) return config.DUAL_AI_PROVIDERS;
  return config.OPENAI_API_KEY && config.XAI_API_KEY ? ['openai', 'xai'] : ['lexical', 'value-profile'];
}

const hostList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== ''),
  );

/** The settings the diagnostician-pair check reads. */
const PAIR_SETTINGS = new Set(['DUAL_AI_PROVIDERS', 'OPENAI_API_KEY', 'XAI_API_KEY']);

export const configSchema = z
  .object({
    /** HTTP port. */
    PORT: integer(3001, 0, 65535),
    /** Interface to listen on. */
    HOST: z.string().default('0.0.0.0'),
    /**
     * `sqlite:<path>` (or `file:<path>`, a bare file path, `:memory:`) for the embedded store, the
     * only one this build has: any other scheme (`postgres://…`) is refused at start, before
     * anything is written, rather than taken for a folder name.
     */
    DATABASE_URL: z
      .string()
      .default('sqlite:./data/verity.db')
      .superRefine((value, context) => {
        const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(value.trim())?.[1]?.toLowerCase();
        if (scheme === undefined || scheme === 'sqlite' || scheme === 'file') return;
        context.addIssue({
          code: 'custom',
          message:
            scheme === 'postgres' || scheme === 'postgresql'
              ? 'PostgreSQL is not supported by this build yet; use sqlite:<path> (the default is sqlite:./data/verity.db)'
              : `"${scheme}:" databases are not supported; use sqlite:<path> (the default is sqlite:./data/verity.db)`,
        });
      }),
    /**
     * Inbound key Salesforce sends in `x-api-key`. Unset: verity generates a random one once and
     * keeps it in `<data dir>/local-keys.json` as `apiKey` (config/local-keys.ts).
     */
    API_KEY: optionalText,
    /**
     * Key for the self-healing and operations routes (`x-api-key` or `Authorization: Bearer`).
     * Unset: generated like API_KEY, kept as `adminApiKey`.
     */
    ADMIN_API_KEY: optionalText,
    /** Default webhook receiver for verification results and corrections. */
    SF_WEBHOOK_URL: optionalUrl,
    /** Key verity sends to Salesforce in `x-api-key`. */
    SF_API_KEY: optionalText,
    /** Secret for the `X-Verity-Signature` HMAC-SHA256 over timestamp and body. */
    WEBHOOK_SIGNING_SECRET: optionalText,
    /** Hosts a record's own `webhookUrl` may point at; any other host is refused and the default is used. */
    WEBHOOK_URL_ALLOWED_HOSTS: hostList,
    /** Attempts per webhook or correction delivery before it is given up. */
    WEBHOOK_MAX_ATTEMPTS: integer(5, 1, 20),
    /** First retry delay in ms; later ones double, with jitter. */
    WEBHOOK_RETRY_BASE_MS: integer(5000, 1, 3_600_000),
    /** Per-attempt timeout of an outbound delivery, ms. */
    WEBHOOK_TIMEOUT_MS: integer(30_000, 100, 300_000),
    /** Largest accepted request body, bytes (the peer's limit is 10 MB). */
    BODY_LIMIT_BYTES: integer(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    /** Salesforce organisation ids allowed to send Outbound Messages (comma-separated, 15 or 18 chars). */
    SF_OUTBOUND_ORG_IDS: hostList,
    /** Verification jobs processed at once by this process. */
    VERIFY_CONCURRENCY: integer(4, 1, 64),
    /** pino level. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Folder for `combined.log` and `self_healing_changes.log`. */
    LOG_DIR: z.string().default('./logs'),

    // The seed's self-healing settings, names exactly as the seed gives them.
    /** Run the self-healing pipeline at all. */
    SELF_HEALING_ENABLED: booleanFlag(true),
    /** Wait after a webhook before the Phase-1 scan, ms (the seed's 60 s). */
    SELF_HEALING_DELAY_AFTER_WEBHOOK: integer(60_000, 0, 86_400_000),
    /** Attempts in Phase 4 before a run escalates. */
    SELF_HEALING_MAX_ATTEMPTS: integer(3, 1, 10),
    /** Apply low-risk fixes without a person's approval. */
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: booleanFlag(false),
    /** Both diagnosticians must endorse a fix. */
    DUAL_AI_CONSENSUS_REQUIRED: booleanFlag(true),
    /** Minimum confidence (0-100) of each endorsement. */
    DUAL_AI_MIN_CONFIDENCE: integer(70, 0, 100),
    /** Plan and apply system-wide fixes, not only the primary one. */
    SYSTEM_WIDE_FIX_ENABLED: booleanFlag(true),
    /** Run the final regression validation before corrections are sent. */
    REGRESSION_TEST_REQUIRED: booleanFlag(true),
    /** OpenAI key (with XAI_API_KEY, and DUAL_AI_PROVIDERS unset, selects the OpenAI + xAI pair). */
    OPENAI_API_KEY: optionalText,
    /** OpenAI model of the `openai` diagnostician. */
    OPENAI_MODEL: z.string().trim().min(1, 'must name a model').default('gpt-4o'),
    /** Base URL of the `openai` diagnostician (any OpenAI-compatible endpoint: Azure, Ollama, vLLM); unset: OpenAI's. */
    OPENAI_BASE_URL: optionalBaseUrl,
    /** xAI key. */
    XAI_API_KEY: optionalText,
    /** xAI model of the `xai` diagnostician. */
    XAI_MODEL: z.string().trim().min(1, 'must name a model').default('grok-2-latest'),
    /** Base URL of the `xai` diagnostician. */
    XAI_BASE_URL: optionalBaseUrl.transform((value) => value ?? 'https://api.x.ai/v1'),
    /**
     * The two diagnosticians, comma-separated, from `openai`, `xai`, `lexical`, `value-profile`
     * (mixed pairs work). Unset: `openai,xai` when both keys are set, else `lexical,value-profile`.
     */
    DUAL_AI_PROVIDERS: z
      .string()
      .optional()
      .transform((value, context) => {
        if (value === undefined || value.trim() === '') return undefined;
        const names = value.split(',').map((name) => name.trim().toLowerCase());
        const unknown = names.filter((name) => !(PROVIDER_NAMES as readonly string[]).includes(name));
        if (names.length !== 2 || unknown.length > 0 || names[0] === names[1]) {
          context.addIssue({
            code: 'custom',
            message: `must name two different diagnosticians from ${PROVIDER_NAMES.join(', ')} (e.g. openai,xai or openai,lexical)`,
          });
          return z.NEVER;
        }
        return names as [ProviderName, ProviderName];
      }),
    /** Per-call timeout of an LLM diagnostician, ms (each retry gets its own). */
    DIAGNOSTICIAN_TIMEOUT_MS: integer(60_000, 100, 600_000),
    /** Retries of an LLM call on a timeout, connection error, 429 (honouring retry-after) or 5xx. */
    DIAGNOSTICIAN_MAX_RETRIES: integer(2, 0, 10),
    /** Token budget of what one LLM call sends (estimated; the context pack is trimmed to fit). */
    DIAGNOSTICIAN_MAX_INPUT_TOKENS: integer(6000, 500, 200_000),
    /** Most tokens one LLM answer may use. */
    DIAGNOSTICIAN_MAX_OUTPUT_TOKENS: integer(2000, 100, 32_000),
    /** Consecutive failed calls that open a provider's circuit breaker (its calls then fail at once). */
    DIAGNOSTICIAN_BREAKER_FAILURES: integer(3, 1, 100),
    /** How long an open breaker stays open before one trial call, ms. */
    DIAGNOSTICIAN_BREAKER_COOLDOWN_MS: integer(60_000, 0, 86_400_000),
    /**
     * Prices per million tokens, JSON `{"<model>":{"input":2.5,"output":10}}`, merged over the
     * built-in table (gpt-4o, gpt-4o-mini, grok-2-latest, ...); a model in neither costs null.
     */
    DIAGNOSTICIAN_PRICES: z
      .string()
      .optional()
      .transform((value, context) => {
        if (value === undefined || value.trim() === '') return {};
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          parsed = undefined;
        }
        const table = priceTableSchema.safeParse(parsed);
        if (!table.success) {
          context.addIssue({
            code: 'custom',
            message:
              'must be JSON like {"gpt-4o":{"input":2.5,"output":10}} (US dollars per million input and output tokens)',
          });
          return z.NEVER;
        }
        return table.data;
      }),
    /**
     * Record keys whose values never leave the process (comma-separated, matched on the
     * normalised key), on top of the built-in ones (contact, designer, owner, email, phone, ...).
     */
    DIAGNOSTICIAN_REDACT_FIELDS: hostList,
  })
  .superRefine(
    (config, context) => {
      // A named LLM without its key would fail at the first heal: say so at start instead.
      for (const name of diagnosticianPair(config)) {
        const key = name === 'openai' ? 'OPENAI_API_KEY' : name === 'xai' ? 'XAI_API_KEY' : null;
        if (key !== null && config[key] === undefined) {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: `DUAL_AI_PROVIDERS names ${name}, which needs ${key}; set it, or name another pair (e.g. DUAL_AI_PROVIDERS=lexical,value-profile)`,
          });
        }
      }
    },
    {
      // Also when other settings are bad, so one message names every problem; not when the
      // settings this check reads are themselves invalid.
      when: (payload) => !payload.issues.some((issue) => PAIR_SETTINGS.has(String(issue.path?.[0] ?? ''))),
    },
  );

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Validates an environment (process.env plus .env, already merged) and returns the frozen config. */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const given = environment[name];
        // A URL's password never reaches the terminal or a log with the message.
        const shown = given === undefined ? '(unset)' : redactUrlCredentials(JSON.stringify(given));
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  return Object.freeze(parsed.data);
}
