// One measured run of the codegen benchmark, in its own process so peak RSS is its own.
// Usage: node codegen-child.mjs synthfarm|baseline COUNT OUTDIR [SPEC (synthfarm: customers only, COUNT of them, CSV)]
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

const [mode, countArg, outDir, specFile] = process.argv.slice(2);
const count = Number(countArg);
await mkdir(outDir, { recursive: true });
const started = performance.now();

if (mode === 'synthfarm') {
  // The user's command, `synthfarm run SPEC --out DIR`, in this process (so peak RSS and CPU are
  // its own): the CLI's start-up, module loading and thread start are all in the time.
  // Through the launcher a user's shell runs (bin/synthfarm.js: the bundled CLI), its argv set
  // as the shell would; the import settles when the command has finished.
  // The launcher ends the process as soon as the command is done (process.exit), as it does for
  // the user: the figures are printed on the way out.
  process.argv = [process.execPath, new URL('../../apps/cli/bin/synthfarm.js', import.meta.url).pathname, 'run', specFile, '--out', outDir];
  process.once('exit', (code) => {
    if (!code) report();
  });
  await import('../../apps/cli/bin/synthfarm.js');
  if (process.exitCode) throw new Error(`synthfarm run exited ${process.exitCode}`);
} else {
  const { faker } = await import('@faker-js/faker');
  const { stringify } = await import('csv-stringify');
  faker.seed(42);
  const out = createWriteStream(join(outDir, 'customers.csv'));
  const csv = stringify({ header: true, columns: ['id', 'firstName', 'lastName', 'email', 'age', 'revenue', 'tier', 'signedUp', 'churned', 'address.city', 'address.country', 'tags', 'nickname'], cast: { boolean: (b) => String(b) } });
  csv.pipe(out);
  const normal = () => Math.sqrt(-2 * Math.log(1 - faker.number.float())) * Math.cos(2 * Math.PI * faker.number.float());
  const from = new Date('2020-01-01'), to = new Date('2025-12-31');
  for (let i = 0; i < count; i++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const z = normal();
    const row = [
      i + 1, firstName, lastName, `${firstName}.${lastName}@example.com`.toLowerCase(),
      Math.min(90, Math.max(18, Math.round(35 + 12 * z))),
      Math.round(Math.exp(8 + 0.8 * (0.5 * z + 0.866 * normal())) * 100) / 100,
      faker.helpers.weightedArrayElement([{ weight: 0.7, value: 'free' }, { weight: 0.25, value: 'premium' }, { weight: 0.05, value: 'enterprise' }]),
      faker.date.between({ from, to }).toISOString().slice(0, 10),
      faker.datatype.boolean(0.3),
      faker.location.city(), faker.location.countryCode(),
      JSON.stringify(faker.helpers.arrayElements(['beta', 'vip', 'newsletter', 'mobile'], { min: 0, max: 3 })),
      faker.datatype.boolean(0.1) ? '' : faker.person.firstName(),
    ];
    if (!csv.write(row)) await once(csv, 'drain');
  }
  csv.end();
  await once(out, 'close');
}

if (mode !== 'synthfarm') report();

function report() {
  const ms = performance.now() - started;
  const ru = process.resourceUsage();
  // cpuMs: every thread of the process (code threads, GC and compiler helpers), start-up included.
  console.log(JSON.stringify({ mode, count, ms, recordsPerSec: count / (ms / 1000), peakRssMB: ru.maxRSS / 1024, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000 }));
}
