import { UsageError } from '@synthfarm/core';
import { firstStopSignal } from '../stop-signals.js';
import { createSimServer, type SimFaultsInput, type SimOptionsInput } from '@synthfarm/sim';

export interface SimCommandOptions {
  port: number;
  host: string;
  slots: number;
  tps: number;
  maxQueue: number;
  models: string;
  fault?: string[];
  quality?: string[];
}

const FAULT_KEYS: Record<string, keyof SimFaultsInput> = {
  malformed: 'malformedRate', error: 'errorRate', hang: 'hangRate', drop: 'dropRate', slow: 'slowFactor', missing: 'missingModels', roll: 'rollBy',
};

/** Parses `--fault malformed=0.3 error=0.1 missing=gemma3:4b roll=content` into the sim's fault options. */
export function parseFaults(specs: string[] = []): SimFaultsInput {
  const faults: Record<string, unknown> = {};
  for (const s of specs) {
    const [k, v] = s.split('=', 2);
    const key = FAULT_KEYS[k ?? ''];
    if (!key || v === undefined) throw new UsageError(`--fault ${s}: expected one of ${Object.keys(FAULT_KEYS).map((f) => `${f}=…`).join(', ')}`);
    if (key === 'missingModels') faults[key] = [...((faults[key] as string[]) ?? []), ...v.split(',')];
    else if (key === 'rollBy') {
      if (v !== 'request' && v !== 'content') throw new UsageError(`--fault ${s}: roll is 'request' or 'content'`);
      faults[key] = v;
    }
    else if (!Number.isFinite(Number(v))) throw new UsageError(`--fault ${s}: ${k} takes a number`);
    else faults[key] = Number(v);
  }
  return faults as SimFaultsInput;
}

const QUALITY_KEYS: Record<string, string> = { hard: 'hardBreakRate', easy: 'easyBreakRate', truncate: 'truncateRate', tps: 'tokensPerSecond' };

/** Parses `--quality cheap:hard=0.3,easy=0.05,tps=200` into the sim's per-model quality options. */
export function parseQuality(specs: string[] = []): NonNullable<SimOptionsInput['quality']> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of specs) {
    const at = s.lastIndexOf(':', s.indexOf('='));
    const model = at > 0 ? s.slice(0, at) : '';
    if (!model) throw new UsageError(`--quality ${s}: expected MODEL:hard=R,easy=R,truncate=R,tps=T`);
    for (const kv of s.slice(at + 1).split(',')) {
      const [k, v] = kv.split('=', 2);
      const key = QUALITY_KEYS[k ?? ''];
      if (!key || v === undefined || !Number.isFinite(Number(v))) throw new UsageError(`--quality ${s}: '${kv}' is not one of ${Object.keys(QUALITY_KEYS).map((q) => `${q}=<number>`).join(', ')}`);
      (out[model] ??= {})[key] = Number(v);
    }
  }
  return out;
}

/** `synthfarm sim`: serves until SIGINT/SIGTERM. Prints the URL on stdout (first line). */
export async function simCommand(opts: SimCommandOptions): Promise<void> {
  const server = createSimServer({
    slots: opts.slots,
    tokensPerSecond: opts.tps,
    maxQueue: opts.maxQueue,
    models: opts.models.split(',').map((m) => m.trim()).filter(Boolean),
    faults: parseFaults(opts.fault),
    quality: parseQuality(opts.quality),
  });
  let addr;
  try {
    addr = await server.listen(opts.port, opts.host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`[sim] cannot listen on ${opts.host}:${opts.port}${code === 'EADDRINUSE' ? ' (port in use: pick another with --port, or --port 0 for any free port)' : `: ${(err as Error).message}`}`);
  }
  const stopped = firstStopSignal();
  process.stdout.write(`${addr.url}\n`);
  process.stderr.write(`[sim] simulated Ollama host at ${addr.url} (${opts.slots} slots, ${opts.tps} tok/s per slot); Ctrl-C to stop\n`);
  await stopped;
  await server.close();
}
