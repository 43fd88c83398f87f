import { z } from 'zod';
import type { AiProvider } from '../generated/prisma/enums.ts';
import type { AiTask, ProviderAccess } from './provider-settings.ts';

/**
 * Structured calls to an LLM, Krafter's routing (krafter-api §9.2): Anthropic first; an Anthropic
 * 429 is retried once after 1 s; any other failure (status, transport, timeout, an answer of the
 * wrong shape) goes to OpenAI. The answer is a tool call (Anthropic) or a JSON-schema response
 * (OpenAI), validated with zod: an answer that fails validation is a failure, never data.
 * The SDKs' own retries are off, so these are the only ones.
 */

export interface StructuredRequest<T> {
  task: AiTask;
  system: string;
  prompt: string;
  /** The answer's shape: a tool for Anthropic, a JSON schema for OpenAI, both from this zod schema. */
  answer: { name: string; description: string; schema: z.ZodType<T> };
  maxTokens: number;
}

export interface StructuredAnswer<T> {
  data: T;
  provider: AiProvider;
  model: string;
  usage: { inputTokens: number; outputTokens: number };
}

export type FailureKind = 'rate_limited' | 'server_error' | 'timeout' | 'transport' | 'bad_answer' | 'rejected';

export interface ProviderFailure {
  provider: AiProvider;
  kind: FailureKind;
  message: string;
}

/** Every provider failed. Retrying later may help unless each failure was a rejection (bad key, unknown model…). */
export class LlmUnavailable extends Error {
  override name = 'LlmUnavailable';
  readonly retryable: boolean;
  constructor(readonly failures: ProviderFailure[]) {
    super(failures.length ? `no AI provider answered: ${failures.map((f) => `${f.provider}: ${f.message}`).join('; ')}` : 'no AI provider is configured');
    this.retryable = failures.some((f) => f.kind !== 'rejected');
  }
}

export interface LlmClientOptions {
  timeoutMs: number;
  /** Cancels the call in flight (activity cancellation, worker shutdown); never triggers a fallback. */
  signal?: AbortSignal;
  /** Told of each failed attempt, for the logs (the message never holds the key). */
  onFailure?: (failure: ProviderFailure, next: 'retry' | 'fallback' | 'give_up') => void;
  /** Test seam for the 1 s backoff. */
  sleep?: (ms: number) => Promise<void>;
}

export interface LlmClient {
  complete<T>(request: StructuredRequest<T>): Promise<StructuredAnswer<T>>;
}

const RATE_LIMIT_BACKOFF_MS = 1_000;
const MESSAGE_CHARS = 300;

/**
 * The providers' SDKs (some 15 MiB of heap together) are loaded at the first model request, not
 * when the worker starts: an instance without a provider never holds them (bench/process-rss.ts).
 */
async function importSdks() {
  const [anthropic, openai] = await Promise.all([import('@anthropic-ai/sdk'), import('openai')]);
  return { Anthropic: anthropic.Anthropic, OpenAI: openai.OpenAI };
}
type Sdks = Awaited<ReturnType<typeof importSdks>>;
let sdks: Sdks | undefined;
const loadSdks = async (): Promise<Sdks> => (sdks ??= await importSdks());

class ProviderError extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}

export function createLlmClient(providers: readonly ProviderAccess[], options: LlmClientOptions): LlmClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const callers = providers.map((access) => ({ access, call: providerCaller(access, options) }));

  return {
    async complete<T>(request: StructuredRequest<T>): Promise<StructuredAnswer<T>> {
      if (callers.length === 0) throw new LlmUnavailable([]);
      const failures: ProviderFailure[] = [];
      for (const [index, { access, call }] of callers.entries()) {
        const last = index === callers.length - 1;
        const attempts = access.provider === 'anthropic' ? 2 : 1;
        for (let attempt = 1; attempt <= attempts; attempt++) {
          try {
            return await call(request);
          } catch (err) {
            if (options.signal?.aborted) throw err;
            const failure: ProviderFailure = { provider: access.provider, ...describeFailure(err, access.apiKey) };
            const retry = failure.kind === 'rate_limited' && attempt < attempts;
            options.onFailure?.(failure, retry ? 'retry' : last ? 'give_up' : 'fallback');
            if (retry) {
              await sleep(RATE_LIMIT_BACKOFF_MS);
              continue;
            }
            failures.push(failure);
            break;
          }
        }
      }
      throw new LlmUnavailable(failures);
    },
  };
}

type Caller = <T>(request: StructuredRequest<T>) => Promise<StructuredAnswer<T>>;

function providerCaller(access: ProviderAccess, options: LlmClientOptions): Caller {
  const common = { apiKey: access.apiKey, baseURL: access.baseUrl, timeout: options.timeoutMs, maxRetries: 0, logLevel: 'off' as const };
  const requestOptions = options.signal ? { signal: options.signal } : {};

  if (access.provider === 'anthropic') {
    let client: InstanceType<Sdks['Anthropic']> | undefined;
    return async (request) => {
      client ??= new (await loadSdks()).Anthropic(common);
      const model = access.models[request.task];
      const message = await client.messages.create(
        {
          model,
          max_tokens: request.maxTokens,
          system: request.system,
          messages: [{ role: 'user', content: request.prompt }],
          tools: [{ name: request.answer.name, description: request.answer.description, input_schema: jsonSchema(request.answer.schema) }],
          tool_choice: { type: 'tool', name: request.answer.name },
        },
        requestOptions,
      );
      const call = message.content?.find((block) => block.type === 'tool_use' && block.name === request.answer.name);
      if (!call || call.type !== 'tool_use') throw new ProviderError('bad_answer', `no ${request.answer.name} tool call in the answer (stop reason ${message.stop_reason})`);
      return {
        data: validate(request.answer.schema, call.input),
        provider: 'anthropic',
        model,
        usage: { inputTokens: message.usage?.input_tokens ?? 0, outputTokens: message.usage?.output_tokens ?? 0 },
      };
    };
  }

  let client: InstanceType<Sdks['OpenAI']> | undefined;
  return async (request) => {
    client ??= new (await loadSdks()).OpenAI(common);
    const model = access.models[request.task];
    const completion = await client.chat.completions.create(
      {
        model,
        max_completion_tokens: request.maxTokens,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.prompt },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: request.answer.name, description: request.answer.description, schema: jsonSchema(request.answer.schema), strict: true },
        },
      },
      requestOptions,
    );
    const choice = completion.choices?.[0];
    if (!choice) throw new ProviderError('bad_answer', 'the answer has no choices');
    if (choice.message.refusal) throw new ProviderError('bad_answer', `the model refused: ${clip(choice.message.refusal)}`);
    if (choice.finish_reason !== 'stop') throw new ProviderError('bad_answer', `the answer was cut short (finish reason ${choice.finish_reason})`);
    let content: unknown;
    try {
      content = JSON.parse(choice.message.content ?? '');
    } catch {
      throw new ProviderError('bad_answer', 'the answer is not JSON');
    }
    return {
      data: validate(request.answer.schema, content),
      provider: 'openai',
      model,
      usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
    };
  };
}

/** The JSON schema both providers are given (strict: every property required, no extra ones). */
function jsonSchema(schema: z.ZodType): { type: 'object'; [key: string]: unknown } {
  const { $schema: _draft, ...rest } = z.toJSONSchema(schema) as { type: 'object'; $schema?: string; [key: string]: unknown };
  return rest;
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
  throw new ProviderError('bad_answer', `the answer does not match the schema (${where.join('; ')})`);
}

/** What went wrong, in words fit for logs and workflow history: the key is never among them. */
function describeFailure(err: unknown, apiKey: string): Omit<ProviderFailure, 'provider'> {
  const redact = (text: string) => clip(apiKey ? text.split(apiKey).join('[redacted]') : text);
  if (err instanceof ProviderError) return { kind: err.kind, message: redact(err.message) };
  // Loaded by the call that failed; absent only if loading them is what failed.
  const { Anthropic, OpenAI } = sdks ?? {};
  if (!Anthropic || !OpenAI) return { kind: 'bad_answer', message: redact(`no SDK: ${err instanceof Error ? err.message : String(err)}`) };
  if (err instanceof Anthropic.APIConnectionTimeoutError || err instanceof OpenAI.APIConnectionTimeoutError) {
    return { kind: 'timeout', message: 'no answer within the request timeout' };
  }
  if (err instanceof Anthropic.APIConnectionError || err instanceof OpenAI.APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { kind: 'transport', message: redact(`connection failed${cause}`) };
  }
  if (err instanceof Anthropic.APIError || err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const detail = apiErrorMessage(err.error);
    const message = redact(`HTTP ${status}${detail ? `: ${detail}` : ''}`);
    if (status === 429) return { kind: 'rate_limited', message };
    if (status >= 500 || status === 408 || status === 409) return { kind: 'server_error', message };
    return { kind: 'rejected', message };
  }
  // The SDK could not read the body (malformed JSON) or the answer had an unexpected shape.
  return { kind: 'bad_answer', message: redact(`unreadable answer: ${err instanceof Error ? err.message : String(err)}`) };
}

/** Anthropic's `{error: {type, message}}` and OpenAI's `{message, type}` error bodies. */
function apiErrorMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const inner = 'error' in body && typeof body.error === 'object' && body.error !== null ? body.error : body;
  const parts = ['type', 'message'].map((k) => (inner as Record<string, unknown>)[k]).filter((v): v is string => typeof v === 'string');
  return parts.join(': ');
}

const clip = (text: string) => (text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS)}…` : text);
