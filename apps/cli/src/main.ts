import { runCli } from './cli.js';
import { dropWritesOnEpipe, exitQuietlyOnEpipe } from './quiet-epipe.js';

exitQuietlyOnEpipe(process.stdout);
dropWritesOnEpipe(process.stderr);
process.exitCode = await runCli(process.argv.slice(2));
