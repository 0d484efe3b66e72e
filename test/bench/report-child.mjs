// One measured run of the report benchmark, in its own process so peak RSS is its own.
// Usage: node report-child.mjs with|without OUTDIR
// The run is inline (40,000 records on two cores): as `synthfarm run` does for an inline run,
// node's helper threads yield the cores to the run's thread first (yieldHelperThreads), unless
// BENCH_HELPERS=level.
const [mode, outDir] = process.argv.slice(2);
const { loadSpecFile } = await import('@synthfarm/spec');
const { defaultThreads, runEmbedded } = await import('@synthfarm/engine');
const loaded = await loadSpecFile(new URL('../../jobs/loadtest-customers.yaml', import.meta.url).pathname);
loaded.spec.output = { ...loaded.spec.output, dir: outDir };
if (process.env.BENCH_HELPERS !== 'level' && defaultThreads(loaded.spec.datasets.reduce((n, d) => n + d.count, 0)) === 0) {
  (await import('@synthfarm/core/thread-priority')).yieldHelperThreads();
}
const started = performance.now();
const manifest = await runEmbedded({ loaded, report: mode === 'with' });
const ms = performance.now() - started;
const ru = process.resourceUsage();
console.log(JSON.stringify({ mode, ms, peakRssMB: ru.maxRSS / 1024, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000, report: !!manifest.report }));
