import { after } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { createLexicalDiagnostician } from '../../src/diagnosticians/builtin/lexical.ts';
import { createValueProfileDiagnostician } from '../../src/diagnosticians/builtin/value-profile.ts';
import { createChatDiagnostician } from '../../src/diagnosticians/choose-diagnosticians.ts';
import { builtinResponder, startChatStub } from '../support/chat-completions-stub.ts';
import { diagnosticianContract } from './contract.ts';

/**
 * The contract suite every diagnostician passes, run against the LLM diagnostician over real
 * HTTP: a loopback chat-completions stand-in answers each call as a built-in would, from the
 * (redacted, trimmed) DATA block verity actually sent.
 */

const openaiStub = await startChatStub(builtinResponder(createLexicalDiagnostician()));
const xaiStub = await startChatStub(builtinResponder(createValueProfileDiagnostician()));
after(async () => {
  await openaiStub.close();
  await xaiStub.close();
});

const config = loadConfig({
  DUAL_AI_PROVIDERS: 'openai,xai',
  OPENAI_API_KEY: 'sk-test-openai',
  OPENAI_BASE_URL: openaiStub.baseUrl,
  XAI_API_KEY: 'xai-test-key',
  XAI_BASE_URL: xaiStub.baseUrl,
  DIAGNOSTICIAN_MAX_RETRIES: '0',
});

diagnosticianContract('openai over HTTP (stand-in reasoning like lexical)', () =>
  createChatDiagnostician('openai', config),
);
diagnosticianContract('xai over HTTP (stand-in reasoning like value-profile)', () =>
  createChatDiagnostician('xai', config),
);
