/**
 * The producer side of the farm (coordinator, submission, API service, schedules) does not
 * import the consumer (the worker): what both need lives in a neutral module (farm-constants.ts,
 * batch-job.ts), so loading the coordinator never loads the worker and its model clients.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const CONSUMER = ['farm-worker', 'process-batch'];
const PRODUCER = /^(coordinator|submit-run|create-farm-service|schedules|cancel-run|worker-watch)\.ts$/;

describe('farm module boundaries', () => {
  it('no producer module imports the worker', async () => {
    const files = (await readdir(SRC)).filter((f) => PRODUCER.test(f));
    expect(files).toContain('coordinator.ts');
    for (const f of files) {
      const text = await readFile(join(SRC, f), 'utf8');
      for (const c of CONSUMER) expect(text, `${f} imports ./${c}.js`).not.toMatch(new RegExp(`from '\\./${c}\\.js'`));
    }
  });

  it('no farm module talks to a model host directly: hosts and their model lists go through @synthfarm/llm', async () => {
    const files = (await readdir(SRC)).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('farm-worker.ts');
    for (const f of files) {
      const text = await readFile(join(SRC, f), 'utf8');
      expect(text, `${f} imports ollama`).not.toMatch(/from ['"](ollama|openai)(\/[^'"]*)?['"]|import\(['"](ollama|openai)['"]\)/);
    }
    const pkg = JSON.parse(await readFile(join(SRC, '../package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('ollama');
  });
});
