import { UsageError } from '@synthfarm/core';
import { createSimServer, type SimFaultsInput } from '@synthfarm/sim';

export interface SimCommandOptions {
  port: number;
  host: string;
  slots: number;
  tps: number;
  maxQueue: number;
  models: string;
  fault?: string[];
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

/** `synthfarm sim`: serves until SIGINT/SIGTERM. Prints the URL on stdout (first line). */
export async function simCommand(opts: SimCommandOptions): Promise<void> {
  const server = createSimServer({
    slots: opts.slots,
    tokensPerSecond: opts.tps,
    maxQueue: opts.maxQueue,
    models: opts.models.split(',').map((m) => m.trim()).filter(Boolean),
    faults: parseFaults(opts.fault),
  });
  let addr;
  try {
    addr = await server.listen(opts.port, opts.host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`[sim] cannot listen on ${opts.host}:${opts.port}${code === 'EADDRINUSE' ? ' (port in use: pick another with --port, or --port 0 for any free port)' : `: ${(err as Error).message}`}`);
  }
  process.stdout.write(`${addr.url}\n`);
  process.stderr.write(`[sim] simulated Ollama host at ${addr.url} (${opts.slots} slots, ${opts.tps} tok/s per slot); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
}
