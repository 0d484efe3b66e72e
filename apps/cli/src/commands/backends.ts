import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSpec } from '@synthfarm/engine';
import { backendReport, createModelRegistry, type BackendRow } from '@synthfarm/routing';

/** How deep under the output directory past runs' event logs are looked for. */
const MAX_DEPTH = 3;

/**
 * `synthfarm backends SPEC`: the model registry (DESIGN §8) — each backend's tier, prices and
 * hosts, with latency, pass rate and cost per accepted record (and per accepted value) measured
 * from past runs' event logs
 * (`events.jsonl` under the output directory). Calls no model.
 */
export async function backendsCommand(file: string, opts: { out?: string; json?: boolean }): Promise<void> {
  const loaded = await loadSpec({ file }, { overrides: { outDir: opts.out } });
  const dir = loaded.spec.output.dir;
  const logs = await findEventLogs(dir, 0);
  const runs = await Promise.all(logs.map(async (f) => parseLines(await readFile(f, 'utf8'))));
  const rows = backendReport(createModelRegistry(loaded.spec), runs);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ backends: rows, runsRead: logs.length }) + '\n');
    return;
  }
  const head = ['backend', 'tier', 'provider:model', '$/1k in', '$/1k out', 'calls', 'p50 ms', 'p95 ms', 'pass rate', '$/accepted record', '$/accepted value', 'hosts'];
  const usd = (x: number | null) => (x === null ? '-' : String(x));
  const cells = rows.map((r: BackendRow) => [r.name, String(r.tier), `${r.provider}:${r.model}`, String(r.costPer1kInput), String(r.costPer1kOutput), String(r.calls), num(r.latencyMsP50), num(r.latencyMsP95), r.passRate === null ? '-' : `${(r.passRate * 100).toFixed(1)}%`, usd(r.costPerAcceptedRecord), usd(r.costPerAcceptedValue), r.hosts.join(' ') || '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(head), ...cells.map(line), `measured from ${logs.length} run${logs.length === 1 ? '' : 's'} under ${dir}${logs.length ? '' : ' (none yet: run the spec first)'}`].join('\n') + '\n');
}

function num(x: number | null): string {
  return x === null ? '-' : String(Math.round(x));
}

/** `events.jsonl` files in `dir` and its subdirectories (a few levels), oldest layout first. */
async function findEventLogs(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isFile() && e.name === 'events.jsonl') out.push(join(dir, e.name));
    else if (e.isDirectory() && depth < MAX_DEPTH && !e.name.startsWith('.')) out.push(...(await findEventLogs(join(dir, e.name), depth + 1)));
  }
  return out;
}

/** The JSON lines of a log; a line that is not JSON (a torn write) is skipped. */
function parseLines(text: string): Array<{ type: string }> {
  const out: Array<{ type: string }> = [];
  for (const l of text.split('\n')) {
    if (!l) continue;
    try {
      out.push(JSON.parse(l) as { type: string });
    } catch {
      // not an event: skipped
    }
  }
  return out;
}
