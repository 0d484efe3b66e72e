import { runCli } from './cli.js';
import { exitQuietlyOnEpipe } from './quiet-epipe.js';

exitQuietlyOnEpipe(process.stdout);
process.exitCode = await runCli(process.argv.slice(2));
