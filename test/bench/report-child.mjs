// One measured run of the report benchmark, in its own process so peak RSS is its own.
// Usage: node report-child.mjs with|without OUTDIR
const [mode, outDir] = process.argv.slice(2);
const { loadSpecFile } = await import('@synthfarm/spec');
const { runEmbedded } = await import('@synthfarm/engine');
const loaded = await loadSpecFile(new URL('../../jobs/loadtest-customers.yaml', import.meta.url).pathname);
loaded.spec.output = { ...loaded.spec.output, dir: outDir };
const started = performance.now();
const manifest = await runEmbedded({ loaded, report: mode === 'with' });
const ms = performance.now() - started;
const ru = process.resourceUsage();
console.log(JSON.stringify({ mode, ms, peakRssMB: ru.maxRSS / 1024, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000, report: !!manifest.report }));
