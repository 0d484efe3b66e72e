import { Ollama, type ChatResponse } from 'ollama';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SimOptionsInput } from './sim-options.js';
import { createSimServer, SERVER_BUSY_MESSAGE, type SimServer } from './sim-server.js';

/** Near-instant generation, so tests spend their time on behaviour, not on the simulated GPU. */
const FAST = 1e9;

const running: SimServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: SimOptionsInput = {}): Promise<{ sim: SimServer; url: string; ollama: Ollama; openai: OpenAI }> {
  const sim = createSimServer({ tokensPerSecond: FAST, promptTokensPerSecond: FAST, ...options });
  running.push(sim);
  const { url } = await sim.listen(0);
  // maxRetries 0: a test asserts what the server answered, not what the client's retries hid.
  return { sim, url, ollama: new Ollama({ host: url }), openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sim', maxRetries: 0 }) };
}

/** Polls until `check` holds (server-side effects of client actions land a few ticks later). */
async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('[sim test] condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const Customer = z.object({
  name: z.string().max(60),
  email: z.email(),
  age: z.number().int().min(18).max(90),
  tier: z.enum(['free', 'premium', 'enterprise']),
  signedUp: z.iso.date(),
  bio: z.string().max(240).describe('One sentence about the customer'),
  nickname: z.string().nullable(),
});
const Batch = z.object({ records: z.array(Customer).length(5) });
const batchSchema = z.toJSONSchema(Batch) as Record<string, unknown>;
const messages = [{ role: 'user', content: 'Write 5 customers as JSON.' }];

async function collect(stream: AsyncIterable<ChatResponse>): Promise<{ parts: ChatResponse[]; content: string }> {
  const parts: ChatResponse[] = [];
  for await (const part of stream) parts.push(part);
  return { parts, content: parts.map((p) => p.message.content).join('') };
}

describe('Ollama native API through the real ollama client', () => {
  it('chat with a format schema answers schema-valid JSON with exactly N items, token counts and ns durations', async () => {
    const tps = 4000;
    const { ollama } = await start({ tokensPerSecond: tps, promptTokensPerSecond: 100_000 });
    const started = performance.now();
    const res = await ollama.chat({ model: 'gemma3:4b', messages, format: batchSchema, stream: false });
    const wallMs = performance.now() - started;

    const batch = Batch.parse(JSON.parse(res.message.content));
    expect(batch.records).toHaveLength(5);
    expect(res.done).toBe(true);
    expect(res.done_reason).toBe('stop');
    expect(res.message.role).toBe('assistant');
    expect(res.prompt_eval_count).toBe(Math.ceil(messages[0]!.content.length / 4));
    expect(res.eval_count).toBe(Math.ceil(res.message.content.length / 4));
    // Durations are nanoseconds and match the configured rate; the wait was real.
    expect((res.eval_count / res.eval_duration) * 1e9).toBeCloseTo(tps, 0);
    expect(res.total_duration).toBeGreaterThanOrEqual(res.eval_duration + res.prompt_eval_duration);
    expect(res.load_duration).toBeGreaterThan(0);
    expect(wallMs).toBeGreaterThanOrEqual(res.eval_duration / 1e6 - 2);
  });

  it('streams NDJSON chunks over the generation time; the joined stream equals the one-shot answer', async () => {
    const { ollama } = await start({ tokensPerSecond: 5000, streamIntervalMs: 5 });
    const whole = await ollama.chat({ model: 'gemma3:4b', messages, format: batchSchema, stream: false });
    const { parts, content } = await collect(await ollama.chat({ model: 'gemma3:4b', messages, format: batchSchema, stream: true }));

    expect(parts.length).toBeGreaterThan(3);
    expect(parts.slice(0, -1).every((p) => !p.done)).toBe(true);
    const last = parts.at(-1)!;
    expect(last).toMatchObject({ done: true, done_reason: 'stop', message: { role: 'assistant', content: '' } });
    expect(last.eval_count).toBe(whole.eval_count);
    expect(content).toBe(whole.message.content);
    expect(Batch.safeParse(JSON.parse(content)).success).toBe(true);
  });

  it('generate answers with response, context and metrics; JSON mode gives a JSON object', async () => {
    const { ollama } = await start();
    const res = await ollama.generate({ model: 'llama3.2:3b', prompt: 'Why is the sky blue?', system: 'Be brief.' });
    expect(res.response.length).toBeGreaterThan(10);
    expect(res.done_reason).toBe('stop');
    expect(res.context.length).toBe(res.prompt_eval_count + res.eval_count);
    const json = await ollama.generate({ model: 'llama3.2', prompt: 'JSON please', format: 'json' }).catch((e: unknown) => e);
    // "llama3.2" means "llama3.2:latest", which this host does not have.
    expect(json).toMatchObject({ status_code: 404, message: "model 'llama3.2' not found" });
    const obj = await ollama.generate({ model: 'llama3.2:3b', prompt: 'JSON please', format: 'json' });
    expect(typeof JSON.parse(obj.response)).toBe('object');
  });

  it('lists models (tags), loaded models (ps), version and model details (show)', async () => {
    const { ollama, url } = await start({ models: ['gemma3:4b', 'qwen2.5:7b'] });
    const tags = await ollama.list();
    expect(tags.models.map((m) => m.name)).toEqual(['gemma3:4b', 'qwen2.5:7b']);
    expect(tags.models[0]).toMatchObject({ model: 'gemma3:4b', details: { format: 'gguf', family: 'gemma3', quantization_level: 'Q4_K_M' } });
    expect((await ollama.ps()).models).toEqual([]);
    await ollama.chat({ model: 'qwen2.5:7b', messages });
    const ps = await ollama.ps();
    expect(ps.models.map((m) => m.name)).toEqual(['qwen2.5:7b']);
    expect(new Date(ps.models[0]!.expires_at).getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await ollama.show({ model: 'gemma3:4b' })).details.family).toBe('gemma3');
    const root = await fetch(url);
    expect(await root.text()).toBe('Ollama is running');
  });

  it('num_predict cuts the answer mid-JSON with done_reason "length"', async () => {
    const { ollama } = await start();
    const res = await ollama.chat({ model: 'gemma3:4b', messages, format: batchSchema, stream: false, options: { num_predict: 10 } });
    expect(res.done_reason).toBe('length');
    expect(res.eval_count).toBe(10);
    expect(res.message.content).toHaveLength(40);
    expect(() => JSON.parse(res.message.content)).toThrow();
    const streamed = await collect(await ollama.chat({ model: 'gemma3:4b', messages, format: batchSchema, stream: true, options: { num_predict: 10 } }));
    expect(streamed.parts.at(-1)?.done_reason).toBe('length');
    expect(streamed.content).toBe(res.message.content);
  });

  it('same request + seed → identical bytes, across servers; another seed → another answer', async () => {
    const a = await start({ seed: 11 });
    const b = await start({ seed: 11 });
    const req = { model: 'gemma3:4b', messages, format: batchSchema, options: { seed: 7 } } as const;
    const first = await a.ollama.chat({ ...req, stream: false });
    expect((await a.ollama.chat({ ...req, stream: false })).message.content).toBe(first.message.content);
    expect((await b.ollama.chat({ ...req, stream: false })).message.content).toBe(first.message.content);
    const other = await a.ollama.chat({ ...req, options: { seed: 8 }, stream: false });
    expect(other.message.content).not.toBe(first.message.content);
  });
});

describe('OpenAI-compatible API through the real openai client', () => {
  it('chat.completions with response_format json_schema answers valid JSON with usage', async () => {
    const { openai } = await start();
    const res = await openai.chat.completions.create({
      model: 'qwen2.5:7b',
      messages: [{ role: 'user', content: 'Write 5 customers as JSON.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'batch', schema: batchSchema, strict: true } },
    });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(Batch.parse(JSON.parse(choice.message.content ?? '')).records).toHaveLength(5);
    expect(res.object).toBe('chat.completion');
    expect(res.id).toMatch(/^chatcmpl-\d+$/);
    expect(res.usage).toEqual({
      prompt_tokens: Math.ceil('Write 5 customers as JSON.'.length / 4),
      completion_tokens: Math.ceil((choice.message.content ?? '').length / 4),
      total_tokens: res.usage!.prompt_tokens + res.usage!.completion_tokens,
    });
  });

  it('streams SSE chunks with include_usage: role first, finish chunk, usage chunk, [DONE]', async () => {
    const { openai } = await start({ tokensPerSecond: 5000, streamIntervalMs: 5 });
    const stream = await openai.chat.completions.create({
      model: 'gemma3:4b',
      messages: [{ role: 'user', content: 'Write 5 customers as JSON.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'batch', schema: batchSchema } },
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.length).toBeGreaterThan(4);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage?.completion_tokens).toBe(Math.ceil(content.length / 4));
    expect(Batch.safeParse(JSON.parse(content)).success).toBe(true);
  });

  it('max_tokens gives finish_reason "length"; json_object gives a JSON object; models.list lists the models', async () => {
    const { openai } = await start();
    const cut = await openai.chat.completions.create({ model: 'gemma3:4b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    expect(cut.choices[0]!.finish_reason).toBe('length');
    expect(cut.usage?.completion_tokens).toBe(3);
    const obj = await openai.chat.completions.create({ model: 'gemma3:4b', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } });
    expect(typeof JSON.parse(obj.choices[0]!.message.content ?? '')).toBe('object');
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gemma3:4b', 'llama3.2:3b', 'qwen2.5:7b']);
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'library' });
  });
});

describe('capacity and faults', () => {
  it('answers 503 with Ollama\'s exact "server busy" body (no Retry-After) beyond slots + maxQueue', async () => {
    const { sim, ollama, url } = await start({ slots: 1, maxQueue: 1, tokensPerSecond: 400 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => ollama.chat({ model: 'gemma3:4b', messages })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(3);
    for (const r of rejected) expect(r.reason).toMatchObject({ status_code: 503, message: SERVER_BUSY_MESSAGE });
    expect(sim.stats()).toMatchObject({ rejectedBusy: 3, maxConcurrent: 1, maxQueued: 1 });

    // The raw answer, byte for byte, and the header Ollama does not send.
    const hold = ollama.chat({ model: 'gemma3:4b', messages });
    const wait = ollama.chat({ model: 'gemma3:4b', messages });
    await waitFor(() => sim.stats().queued === 1);
    const raw = await fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'gemma3:4b', messages }) });
    expect(raw.status).toBe(503);
    expect(raw.headers.get('retry-after')).toBeNull();
    expect(await raw.text()).toBe('{"error":"server busy, please try again.  maximum pending requests exceeded"}');
    await Promise.all([hold, wait]);
  });

  it('404s an unknown model with Ollama\'s message, and an OpenAI-style error object on /v1', async () => {
    const { sim, ollama, openai } = await start({ faults: { missingModels: ['qwen2.5:7b'] } });
    await expect(ollama.chat({ model: 'mistral:7b', messages })).rejects.toMatchObject({ status_code: 404, message: "model 'mistral:7b' not found" });
    // Listed, but "deleted": the missingModels fault.
    expect((await ollama.list()).models.map((m) => m.name)).toContain('qwen2.5:7b');
    await expect(ollama.chat({ model: 'qwen2.5:7b', messages })).rejects.toMatchObject({ status_code: 404 });
    const err = await openai.chat.completions.create({ model: 'mistral:7b', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ status: 404, error: { message: "model 'mistral:7b' not found", type: 'not_found_error' } });
    expect(sim.stats().faults.missingModel).toBe(1);
  });

  it('errorRate 1 answers HTTP 500 with an Ollama error body; setFaults turns it off at runtime', async () => {
    const { sim, ollama, openai } = await start({ faults: { errorRate: 1 } });
    await expect(ollama.chat({ model: 'gemma3:4b', messages })).rejects.toMatchObject({ status_code: 500, message: expect.stringContaining('terminated') });
    await expect(openai.chat.completions.create({ model: 'gemma3:4b', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    sim.setFaults({ errorRate: 0 });
    expect((await ollama.chat({ model: 'gemma3:4b', messages })).done).toBe(true);
    expect(sim.stats().faults).toMatchObject({ error: 2, total: 2 });
    expect(() => sim.setFaults({ errorRate: 2 })).toThrow(/^\[sim\] invalid options: faults\.errorRate: /);
  });

  it('malformedRate 1 answers content that fails JSON.parse while done_reason still says "stop"', async () => {
    const { sim, ollama } = await start({ faults: { malformedRate: 1 } });
    for (let i = 0; i < 6; i++) {
      const res = await ollama.chat({ model: 'gemma3:4b', messages: [{ role: 'user', content: `batch ${i}` }], format: batchSchema });
      expect(res.done_reason).toBe('stop');
      expect(() => JSON.parse(res.message.content)).toThrow();
    }
    expect(sim.stats().faults.malformed).toBe(6);
  });

  it('dropRate 1 destroys the socket mid-response: both clients see a connection error', async () => {
    const { sim, ollama, openai } = await start({ faults: { dropRate: 1 } });
    await expect(ollama.chat({ model: 'gemma3:4b', messages, format: batchSchema })).rejects.toThrow();
    await expect(collect(await ollama.chat({ model: 'gemma3:4b', messages, format: batchSchema, stream: true }))).rejects.toThrow();
    await expect(openai.chat.completions.create({ model: 'gemma3:4b', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow();
    expect(sim.stats().faults.drop).toBe(3);
  });

  it('hangRate 1 never answers; the slot is freed when the client gives up', async () => {
    const { sim, url } = await start({ slots: 1, faults: { hangRate: 1 } });
    const giveUp = new AbortController();
    const res = fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'gemma3:4b', messages }), signal: giveUp.signal });
    await waitFor(() => sim.stats().active === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.stats().active).toBe(1); // still hanging, still holding its slot
    giveUp.abort();
    await expect(res).rejects.toThrow();
    await waitFor(() => sim.stats().active === 0);
    expect(sim.stats()).toMatchObject({ active: 0, faults: { hang: 1 } });
  });
});

describe('stats', () => {
  it('counts busy slot-time precisely, tokens, concurrency and requests per endpoint; reset() zeroes them', async () => {
    const tps = 1000;
    const { sim, ollama } = await start({ slots: 2, tokensPerSecond: tps, promptTokensPerSecond: FAST });
    sim.reset();
    const started = performance.now();
    // num_predict fixes every answer at 40 tokens = 40 ms of generation at 1000 tokens/s.
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => ollama.chat({ model: 'gemma3:4b', messages: [{ role: 'user', content: `r${i}` }], format: batchSchema, options: { num_predict: 40 } })),
    );
    const wallMs = performance.now() - started;
    const s = sim.stats();
    expect(results.every((r) => r.eval_count === 40)).toBe(true);
    expect(s.tokensOut).toBe(160);
    expect(s.tokensIn).toBe(4);
    expect(s.completed).toBe(4);
    expect(s.maxConcurrent).toBe(2);
    expect(s.requests['POST /api/chat']).toBe(4);
    // 4 × 40 ms of slot time, give or take timer granularity; two slots make it last ~80 ms.
    // Waiting for a slot is not busy time: two slots cannot be busy for more than twice the wall
    // (counting the two queued requests' waits would make it ~240 ms against ~160). A bound on the
    // wall itself, not a fixed one: on a loaded machine the timers fire late, and the slots really
    // are held that much longer.
    expect(s.busySlotMs).toBeGreaterThanOrEqual(158);
    expect(s.busySlotMs).toBeLessThanOrEqual(2 * wallMs);
    expect(wallMs).toBeGreaterThanOrEqual(78);
    expect(s.utilization).toBeGreaterThan(0);
    expect(s.utilization).toBeLessThanOrEqual(1);
    sim.reset();
    expect(sim.stats()).toMatchObject({ busySlotMs: 0, tokensIn: 0, tokensOut: 0, completed: 0, requests: {}, maxConcurrent: 0 });
  });

  it('rejects bad options with a [sim] message naming the option', () => {
    expect(() => createSimServer({ slots: 0 })).toThrow(/^\[sim\] invalid options: slots: /);
  });
});

describe('request log', () => {
  it('keeps the newest `requestLog` generation requests as asked (both APIs), none by default', async () => {
    const { sim, ollama, openai } = await start({ requestLog: 2 });
    await ollama.chat({ model: 'gemma3:4b', messages: [{ role: 'user', content: 'first' }], format: batchSchema, stream: false });
    await ollama.generate({ model: 'gemma3:4b', system: 'be brief', prompt: 'second', stream: false });
    await openai.chat.completions.create({ model: 'qwen2.5:7b', messages: [{ role: 'user', content: 'third' }] });
    const log = sim.requests();
    expect(log.map((r) => r.model)).toEqual(['gemma3:4b', 'qwen2.5:7b']);
    expect(log[0]!.messages).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'second' }]);
    expect(log[1]!.messages.at(-1)).toEqual({ role: 'user', content: 'third' });
    await ollama.list();
    expect(sim.requests()).toHaveLength(2);

    const quiet = await start();
    await quiet.ollama.chat({ model: 'gemma3:4b', messages, stream: false });
    expect(quiet.sim.requests()).toEqual([]);
  });
});
