import { runCli } from './cli.js';
import { dropWritesOnEpipe, exitQuietlyOnEpipe } from './quiet-epipe.js';

exitQuietlyOnEpipe(process.stdout);
dropWritesOnEpipe(process.stderr);
// No top-level await: the bundle is one CommonJS script (bin/run-bundle.js).
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
