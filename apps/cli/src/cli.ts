import { Command, CommanderError, Option } from 'commander';
// The errors file, not the core barrel (zod, pino): the CLI answers --help and starts a run's threads before those load.
import { ExitCode } from '@synthfarm/core/errors';
import { reportError } from './report-error.js';
import { DEFAULT_MAX_REJECTS, parseMaxRejects } from './max-rejects.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from './parse-int-option.js';

/** Repeatable option values, in order. */
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `--secret NAME@ORIGIN` (DESIGN §11): the only secrets a submitted spec may name, each sent only to its origin. */
const DAILY_HELP = "farm: the whole farm's cap on a UTC day's model spending, in USD, over every run (stored in Redis: every coordinator holds to it)";
const SECRET_HELP = 'farm: bind secret NAME (an environment variable) to the one origin it may be sent to, e.g. OPENAI_API_KEY@https://api.openai.com; repeatable (or SYNTHFARM_SECRETS, comma-separated)';
/** `--allow-origin URL`: remote baseUrls a submitted spec may use besides bound origins. */
const ORIGIN_HELP = "farm: an origin submitted specs' remote baseUrls may point at; repeatable (or SYNTHFARM_ALLOWED_ORIGINS, comma-separated)";

/**
 * Builds the `synthfarm` command line. Commands import their implementation lazily so
 * `synthfarm --help` answers without loading faker, piscina or the model clients.
 */
export function createCli(): Command {
  const program = new Command('synthfarm')
    .description('Batch synthetic-data generation: code writes distributions, ids and references; a model writes only the text that needs one.')
    .version('0.1.0')
    .showHelpAfterError('(run synthfarm help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .option('--limit <name=N>', 'raise or lower a spec resource limit, e.g. --limit count=1e10 (repeatable; also SYNTHFARM_LIMITS=name=N,...; see README Security)', (v: string, prev: string[] = []) => [...prev, v]);
  // Limits bind every spec this process parses (files, posted specs, schedule firings).
  program.hook('preAction', async () => {
    const { configureSpecLimits, resolveSpecLimits } = await import('@synthfarm/spec');
    configureSpecLimits(resolveSpecLimits(process.env.SYNTHFARM_LIMITS, (program.opts() as { limit?: string[] }).limit ?? []));
  });

  program
    .command('run')
    .description('generate a dataset spec to CSV/JSONL (embedded mode: no services needed)')
    .argument('<spec>', 'spec file (YAML or JSON)')
    .option('--count <n>', "records (overrides a one-dataset spec's count)", positiveInt('--count'))
    .option('--batch-size <n>', 'records per batch', positiveInt('--batch-size'))
    .option('--scale <f>', "multiply every dataset's count by F (rounded; any spec, e.g. 10 for a 10x look-alike)", positiveNumber('--scale'))
    .option('--seed <n>', 'random seed (same spec + seed = same bytes)', nonNegativeInt('--seed'))
    .option('--out <dir>', 'output directory (default: the spec\'s output.dir, else ./out)')
    .option('--threads <n>', 'code-stage worker threads (default: none for a run of under 100,000 records on 2 cores, 200,000 ÷ cores in general, or on one core; else one per core; 0 = inline)', Number)
    .option('--offline', 'fill llm fields procedurally instead of calling a model (recorded in the manifest)')
    .option('--max-cost <usd>', "the run's cap in USD (overrides the spec's budgets.run): each batch's estimated cost is reserved before it is dispatched; batches past the cap are not run and their records are rejected budget_exceeded", nonNegativeNumber('--max-cost'))
    .option('--max-daily-cost <usd>', DAILY_HELP, nonNegativeNumber('--max-daily-cost'))
    .option('--cache-dir <dir>', 'model response cache directory', '.synthfarm-cache')
    .option('--no-cache', 'do not read or write the model response cache')
    .option('--fresh-weights', 'route from no learned weights (they are still saved in the cache dir, or Redis in farm mode, for the next run)')
    .option('--max-rejects <n|p%>', `fail the run (exit 1) when more records than this are rejected: a count, or a percentage of the records requested (default ${DEFAULT_MAX_REJECTS})`, parseMaxRejects)
    .option('--json', 'print a JSON summary as the last line of stdout (on failure too)')
    .addOption(new Option('--redis <url>', 'farm mode: Redis URL (or SYNTHFARM_REDIS_URL; a generic REDIS_URL is ignored)').env('SYNTHFARM_REDIS_URL'))
    .option('--detach', 'farm mode: submit and print the run id without waiting')
    .option('--secret <NAME@ORIGIN>', SECRET_HELP, collect)
    .option('--allow-origin <url>', ORIGIN_HELP, collect)
    .action(async (spec: string, opts) => (await import('./commands/run.js')).runCommand(spec, opts));

  program
    .command('backends')
    .description('list the model registry: tier, prices, hosts, and latency, pass rate and cost per accepted value measured from past runs under the output directory')
    .argument('<spec>', 'spec file')
    .option('--out <dir>', "where past runs are (default: the spec's output.dir)")
    .option('--json', 'print the registry as JSON')
    .action(async (spec: string, opts) => (await import('./commands/backends.js')).backendsCommand(spec, opts));

  program
    .command('validate')
    .description('check a spec: schema, names, ranges, faker methods (exit 2 with the path of the first problem)')
    .argument('<spec>', 'spec file')
    .action(async (spec: string) => (await import('./commands/validate.js')).validateCommand(spec));

  program
    .command('plan')
    .description('show datasets, batches, fields by kind, and the token and cost estimate; calls no model')
    .argument('<spec>', 'spec file')
    .option('--count <n>', "records (overrides a one-dataset spec's count)", positiveInt('--count'))
    .option('--batch-size <n>', 'records per batch', positiveInt('--batch-size'))
    .option('--scale <f>', "multiply every dataset's count by F (rounded; any spec)", positiveNumber('--scale'))
    .option('--json', 'print the plan as JSON')
    .action(async (spec: string, opts) => (await import('./commands/plan.js')).planCommand(spec, opts));

  program
    .command('profile')
    .description('legacy look-alike: profile a source (postgres://..., a .csv/.jsonl file, or a directory of them) into an editable spec')
    .argument('<source>', 'postgres://user@host/db, a .csv / .jsonl file, or a directory of them')
    .option('--tables <list>', 'comma-separated tables (default: all)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--out <file>', 'write the spec here (default: stdout)')
    .action(async (source: string, opts) => (await import('./commands/profile.js')).profileCommand(source, opts));

  program
    .command('compare')
    .description('fidelity of an output directory against its source: KS, TVD, null rates, cardinality, correlations, FK integrity')
    .argument('<source>', 'the source the spec was profiled from')
    .argument('<outdir>', 'the output directory of a run')
    .option('--tables <list>', 'comma-separated tables (default: all)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--json', 'print the report as JSON')
    .action(async (source: string, outDir: string, opts) => (await import('./commands/compare.js')).compareCommand(source, outDir, opts));

  program
    .command('report')
    .description('draw OUTDIR/report.html again from the run\'s manifest.json, report-data.json and events.jsonl')
    .argument('<outdir>', 'the output directory of a run')
    .action(async (outDir: string) => (await import('./commands/report.js')).reportCommand(outDir));

  program
    .command('worker')
    .description('farm mode: a worker pinned to one GPU host (Ollama or the sim), taking batches for the models it serves')
    .requiredOption('--host <name=url>', 'the GPU host, e.g. gpu1=http://gpu1:11434')
    // Numbers go to the worker as given: its option schema holds the rules and the defaults.
    .option('--slots <n>', "requests the host runs at once (its OLLAMA_NUM_PARALLEL; default 4)", Number)
    .option('--queue-ahead <n>', "requests kept waiting at the host beyond its slots, so a freed slot starts the next call at once (Ollama queues them); 0 for a server that refuses them (default 1)", Number)
    .option('--drain-ms <ms>', 'on SIGTERM, how long in-flight batches may finish before they are handed back (default 20000)', Number)
    .option('--lock-ms <ms>', 'batch lock duration: a batch whose worker stops renewing its lock (killed, hung) is retried elsewhere after this long (default 30000)', Number)
    .option('--cache-dir <dir>', 'model response cache directory', '.synthfarm-cache')
    .option('--no-cache', 'do not read or write the model response cache')
    .option('--no-schedules', 'do not take schedule firings on this worker')
    .option('--max-daily-cost <usd>', DAILY_HELP, nonNegativeNumber('--max-daily-cost'))
    .option('--secret <NAME@ORIGIN>', SECRET_HELP, collect)
    .option('--allow-origin <url>', ORIGIN_HELP, collect)
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (opts) => (await import('./commands/worker.js')).workerCommand(opts));

  const schedule = program.command('schedule').description('farm mode: nightly fixtures on BullMQ job schedulers; each firing writes out/NAME/DATE/ with its own manifest, and out/NAME/latest links the newest completed one');
  const NOTIFY_HELP = "POST a small JSON about firings to this URL (its origin must be allowed: --allow-origin; the workers that fire need it too)";
  const NOTIFY_ON_HELP = 'when the webhook posts: problems (a firing that failed or rejected records; default) or always';
  schedule
    .command('add')
    .description('add or replace a schedule')
    .argument('<name>', 'schedule name')
    .argument('<spec>', 'spec file (stored as written; it reads no environment when it fires: ${VAR:-default} takes its default; schedule update re-reads it)')
    .option('--cron <expr>', "cron expression, e.g. '0 2 * * *'")
    .option('--every <ms>', 'fire every N milliseconds instead (for short intervals and tests)', positiveInt('--every'))
    .option('--tz <tz>', 'time zone of the cron expression and of the dated directory', 'UTC')
    .option('--out <dir>', 'root of the dated output directories', 'out')
    .option('--keep <n>', 'keep the newest N firing directories, delete older ones this schedule made (default: keep all)', positiveInt('--keep'))
    .option('--notify <url>', NOTIFY_HELP)
    .addOption(new Option('--notify-on <when>', NOTIFY_ON_HELP).choices(['problems', 'always']))
    .option('--secret <NAME@ORIGIN>', SECRET_HELP, collect)
    .option('--allow-origin <url>', ORIGIN_HELP, collect)
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (name: string, spec: string, opts) => (await import('./commands/schedule.js')).scheduleAddCommand(name, spec, opts));
  schedule
    .command('update')
    .description("re-read a schedule's spec file (checked as run checks it) and store it; change --keep / --notify")
    .argument('<name>', 'schedule name')
    .option('--keep <n>', 'keep the newest N firing directories', positiveInt('--keep'))
    .option('--no-keep', 'keep every firing directory')
    .option('--notify <url>', NOTIFY_HELP)
    .option('--no-notify', 'post no webhook')
    .addOption(new Option('--notify-on <when>', NOTIFY_ON_HELP).choices(['problems', 'always']))
    .option('--secret <NAME@ORIGIN>', SECRET_HELP, collect)
    .option('--allow-origin <url>', ORIGIN_HELP, collect)
    .option('--json', 'print JSON')
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (name: string, opts) => (await import('./commands/schedule.js')).scheduleUpdateCommand(name, opts));
  schedule
    .command('run')
    .description('fire a schedule now, in this process (farm workers do the batches); exit 0 when it completed with no rejects, else 1')
    .argument('<name>', 'schedule name')
    .option('--secret <NAME@ORIGIN>', SECRET_HELP, collect)
    .option('--allow-origin <url>', ORIGIN_HELP, collect)
    .option('--json', 'print JSON')
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (name: string, opts) => (await import('./commands/schedule.js')).scheduleRunCommand(name, opts));
  schedule
    .command('list')
    .description("list schedules: timing, spec file (changed since add?), last firing's time, status and output dir")
    .option('--json', 'print JSON')
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (opts) => (await import('./commands/schedule.js')).scheduleListCommand(opts));
  schedule
    .command('remove')
    .description('remove a schedule (its output directories stay)')
    .argument('<name>', 'schedule name')
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (name: string, opts) => (await import('./commands/schedule.js')).scheduleRemoveCommand(name, opts));

  program
    .command('status')
    .description('farm mode: progress of a run (per-host throughput, rejects, ETA), or the list of runs')
    .argument('[run]', 'run id')
    .option('--json', 'print JSON')
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (run: string | undefined, opts) => (await import('./commands/status.js')).statusCommand(run, opts));

  program
    .command('resume')
    .description('farm mode: finish a run whose producer/aggregator died (every record still exactly once)')
    .argument('<run>', 'run id')
    .option('--json', 'print a JSON summary as the last line of stdout')
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (run: string, opts) => (await import('./commands/resume.js')).resumeCommand(run, opts));

  program
    .command('cancel')
    .description('farm mode: end a run; records not written become rejects with reason cancelled (refused for a run that has ended)')
    .argument('<run>', 'run id')
    .option('--json', 'print the ended run as JSON')
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (run: string, opts) => (await import('./commands/cancel.js')).cancelCommand(run, opts));

  program
    .command('serve')
    .description('farm mode: HTTP API (POST /runs, GET /runs, /runs/:id/events), dashboard at /ui, Prometheus /metrics; bearer token from SYNTHFARM_API_TOKEN')
    .option('--port <p>', 'port (0 = any free port)', nonNegativeInt('--port'), 8080)
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--out-root <dir>', 'output directories of posted runs stay inside this one', 'out/api')
    .option('--insecure', 'allow no token (loopback addresses only)')
    .option('--max-daily-cost <usd>', DAILY_HELP, nonNegativeNumber('--max-daily-cost'))
    .option('--secret <NAME@ORIGIN>', SECRET_HELP, collect)
    .option('--allow-origin <url>', ORIGIN_HELP, collect)
    .addOption(new Option('--redis <url>', 'Redis URL (or SYNTHFARM_REDIS_URL)').env('SYNTHFARM_REDIS_URL'))
    .action(async (opts) => (await import('./commands/serve.js')).serveCommand(opts));

  program
    .command('sim')
    .description('start a simulated Ollama host (for tests and benchmarks; it never produces real data)')
    .option('--port <p>', 'port (0 = any free port)', nonNegativeInt('--port'), 11434)
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--slots <n>', 'parallel requests (OLLAMA_NUM_PARALLEL)', positiveInt('--slots'), 4)
    .option('--tps <t>', 'output tokens per second per slot', nonNegativeNumber('--tps'), 200)
    .option('--max-queue <n>', 'waiting requests before 503 server busy', nonNegativeInt('--max-queue'), 512)
    .option('--models <list>', 'comma-separated model names served', 'gemma3:4b,llama3.2:3b,qwen2.5:7b')
    .option('--fault <spec...>', 'faults: malformed=0.3 error=0.1 hang=0.01 drop=0.01 slow=3 missing=model')
    .option('--quality <spec...>', 'per-model quality: MODEL:hard=0.3,easy=0.05,truncate=0.01,tps=200 (rates of answers breaking hard / easy fields\' constraints, of truncated answers; tokens/s per slot)')
    .action(async (opts) => (await import('./commands/sim.js')).simCommand(opts));

  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli(argv: string[]): Promise<number> {
  const program = createCli();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Ok;
      return ExitCode.BadInput;
    }
    return reportError(err);
  }
}
