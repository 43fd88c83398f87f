import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Fake Anthropic (POST /v1/messages, tool use) and OpenAI (POST /v1/chat/completions, JSON schema)
 * servers on 127.0.0.1 that speak the real HTTP APIs, so the real SDKs run against them. Each
 * answers in turn the behaviours it was scripted with, then `ok`.
 */

export type Behaviour =
  | 'ok'
  /** 429 with the provider's rate-limit error body. */
  | 'rate_limited'
  | 'server_error'
  /** A 500 whose message echoes the API key, as a hostile or careless upstream might. */
  | 'server_error_echoing_key'
  /** 200 with a body that is not JSON. */
  | 'malformed_json'
  /** 200, well-formed, but the answer breaks the schema (a score that is a word). */
  | 'schema_violation'
  /** The answer after `slowMs`: past the client's timeout. */
  | 'slow';

export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  body: any;
  /** Characters of the request body: a token estimate is chars / 4. */
  chars: number;
  behaviour: Behaviour;
}

export interface AccessibilityIssue {
  criterion: string;
  element: string;
  axe_rule: string | null;
  problem: string;
  fix: string;
  severity: 'high' | 'medium' | 'low';
}

export interface FakeLlm {
  /** The base URL to configure: Anthropic's without /v1, OpenAI's with it (as the SDKs expect). */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Behaviours for the next requests, in order; `ok` after them. */
  script(...behaviours: Behaviour[]): void;
  /** Every request answers `behaviour` until reset. */
  always(behaviour: Behaviour): void;
  reset(): void;
  /** Delay of every answer (the bench's "model that answers in 2 s"). */
  answerDelayMs: number;
  /** What the accessibility review answers. */
  accessibilityIssues: AccessibilityIssue[];
  close(): Promise<void>;
}

type Provider = 'anthropic' | 'openai';

export function startFakeAnthropic(options: { apiKey: string; slowMs?: number }): Promise<FakeLlm> {
  return startFake('anthropic', options);
}

export function startFakeOpenAi(options: { apiKey: string; slowMs?: number }): Promise<FakeLlm> {
  return startFake('openai', options);
}

async function startFake(provider: Provider, { apiKey, slowMs = 5_000 }: { apiKey: string; slowMs?: number }): Promise<FakeLlm> {
  let queue: Behaviour[] = [];
  let standing: Behaviour = 'ok';
  const delays = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.add(timer);
    });
  const fake: Omit<FakeLlm, 'baseUrl' | 'close'> = {
    requests: [],
    script: (...behaviours) => void queue.push(...behaviours),
    always: (behaviour) => void (standing = behaviour),
    reset: () => {
      queue = [];
      standing = 'ok';
      fake.requests.length = 0;
    },
    answerDelayMs: 0,
    accessibilityIssues: [],
  };

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const body = safeJson(raw);
    const behaviour = queue.shift() ?? standing;
    fake.requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body, chars: raw.length, behaviour });
    const expectedPath = provider === 'anthropic' ? '/v1/messages' : '/v1/chat/completions';
    if (req.method !== 'POST' || req.url !== expectedPath) return sendError(res, provider, 404, 'not_found_error', `no route ${req.method} ${req.url}`);
    if (req.headers.authorization !== `Bearer ${apiKey}`) return sendError(res, provider, 401, 'authentication_error', 'invalid x-api-key');

    const delay = behaviour === 'slow' ? slowMs : fake.answerDelayMs;
    if (delay) await sleep(delay);
    if (res.destroyed) return;
    switch (behaviour) {
      case 'rate_limited':
        return sendError(res, provider, 429, 'rate_limit_error', 'rate limited, slow down');
      case 'server_error':
        return sendError(res, provider, 500, 'api_error', 'internal server error');
      case 'server_error_echoing_key':
        return sendError(res, provider, 500, 'api_error', `upstream failed for key ${apiKey}`);
      case 'malformed_json':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "msg_01", "content": [');
      default: {
        const tool = provider === 'anthropic' ? body.tools?.[0] : body.response_format?.json_schema;
        const schema = provider === 'anthropic' ? tool?.input_schema : tool?.schema;
        const answer = behaviour === 'schema_violation' ? { findings: [{ id: 'F1', impact: 'high' }], issues: 'none' } : answerFor(tool?.name, schema, body, fake.accessibilityIssues);
        const usage = { input: Math.ceil(raw.length / 4), output: Math.ceil(JSON.stringify(answer).length / 4) };
        return sendJson(res, 200, provider === 'anthropic' ? anthropicMessage(body.model, tool.name, answer, usage) : openAiCompletion(body.model, answer, usage));
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    baseUrl: provider === 'anthropic' ? origin : `${origin}/v1`,
    async close() {
      for (const timer of delays) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

/** The scores, fixes and verdict of the analysis, or the scripted accessibility issues. */
function answerFor(tool: string, schema: any, body: any, accessibilityIssues: AccessibilityIssue[]): unknown {
  if (tool === 'record_accessibility_issues') return { issues: accessibilityIssues };
  const prompt = promptOf(body);
  const findings = prompt
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { id: string; title: string; severity: string });
  const answer: Record<string, unknown> = {
    findings: findings.map((f, i) => ({
      id: f.id,
      impact: 80,
      effort: 20,
      risk: 70,
      priority_score: Math.max(1, 99 - i),
      recommended_fix: { summary: `Fix ${f.title} (model advice).`, steps: [`First step for ${f.id}.`, 'Then rescan.'] },
    })),
  };
  const total = /judged on all (\d+) findings/.exec(prompt)?.[1];
  if (schema?.properties?.run) answer.run = { health_score: 42, summary: `The model's verdict on ${total} findings.` };
  return answer;
}

function promptOf(body: any): string {
  const messages: Array<{ role: string; content: unknown }> = body.messages ?? [];
  const user = messages.find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : '';
}

function anthropicMessage(model: string, tool: string, input: unknown, usage: { input: number; output: number }) {
  return {
    id: `msg_${Math.random().toString(36).slice(2)}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2)}`, name: tool, input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

function openAiCompletion(model: string, answer: unknown, usage: { input: number; output: number }) {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(answer), refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

function sendError(res: ServerResponse, provider: Provider, status: number, type: string, message: string) {
  const body = provider === 'anthropic' ? { type: 'error', error: { type, message } } : { error: { message, type, param: null, code: null } };
  sendJson(res, status, body);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(raw: string): any {
  try {
    return JSON.parse(raw);
  } catch {
    return {};
  }
}
