// Bench-only launcher for `npm run bench:farm`'s scale-out case (not a product command): several
// simulated GPU hosts, or several farm workers, in one process, because 64 + 64 processes do not
// fit two cores. A real farm runs one `synthfarm worker` per GPU host, on or beside that host, and
// each host is one Ollama (or sim) process.
//
// Forked with IPC by farm.bench.mjs:
//   node farm-hosts.mjs sims    '{"count":32,"slots":8,"tokensPerSecond":40,"promptTokensPerSecond":1000,"models":["gemma3:4b"]}'
//     → sends { urls } once listening; answers 'reset' and 'stats' ({ active, busySlotMs, calls, tokensOut }).
//   node farm-hosts.mjs workers '{"redisUrl":"redis://…","slots":8,"hosts":[{"name":"gpu1","url":"http://…"}]}'
//     → one createFarmWorker per host (what `synthfarm worker --host` does once per process); sends { ready }.
// Both stop on 'stop' or SIGTERM.
import { createCodegenPool } from '@synthfarm/engine';
import { createFarmWorker } from '@synthfarm/farm';
import { createSimServer } from '@synthfarm/sim';

const [role, json] = process.argv.slice(2);
const cfg = JSON.parse(json);
const send = (m) => process.send?.(m);

if (role === 'sims') {
  const { count, ...simOpts } = cfg;
  const sims = [];
  for (let i = 0; i < count; i++) sims.push(createSimServer({ maxQueue: 4096, ...simOpts }));
  const urls = [];
  for (const s of sims) urls.push((await s.listen(0)).url);
  const stop = async () => {
    await Promise.all(sims.map((s) => s.close()));
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'reset') {
      for (const s of sims) s.reset();
      send({ reset: true });
    } else if (m === 'stats') {
      const st = sims.map((s) => s.stats());
      send({ stats: { active: st.reduce((n, s) => n + s.active, 0), busySlotMs: st.reduce((n, s) => n + s.busySlotMs, 0), calls: st.reduce((n, s) => n + (s.requests['POST /api/chat'] ?? 0), 0), tokensOut: st.reduce((n, s) => n + s.tokensOut, 0) } });
    } else if (m === 'stop') void stop();
  });
  process.once('SIGTERM', () => void stop());
  send({ urls });
} else if (role === 'workers') {
  // One code thread for the process's hosts, as one worker process has (not one per host: 64
  // threads on two cores would make the emulation, not the farm, the bottleneck).
  const pool = createCodegenPool(1);
  const workers = [];
  for (const h of cfg.hosts) workers.push(await createFarmWorker({ redisUrl: cfg.redisUrl, host: h, slots: cfg.slots, pool }));
  const stop = async () => {
    await Promise.all(workers.map((w) => w.close()));
    await pool.close();
    process.exit(0);
  };
  process.on('message', (m) => m === 'stop' && void stop());
  process.once('SIGTERM', () => void stop());
  send({ ready: workers.length });
} else {
  console.error(`farm-hosts.mjs: unknown role ${role} (sims | workers)`);
  process.exit(2);
}

