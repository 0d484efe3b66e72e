import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WeightsSchema, type Weights } from './arm-state.js';

/**
 * Where learned routing weights live between runs: a file (embedded mode) or Redis (farm mode,
 * shared by every coordinator and so by every worker's batches). Small interface, one per backend.
 */
export interface WeightStore {
  /** The stored weights; undefined when there are none yet. A damaged store reads as none (and says so through `onDamaged`). */
  load(): Promise<Weights | undefined>;
  save(w: Weights): Promise<void>;
  /** Where, for messages. */
  readonly where: string;
}

/** Name of the weights file in its directory. */
export const WEIGHTS_FILE = 'routing-weights.json';

/** A JSON file, replaced atomically (temp + rename) so a reader never sees half of it. */
export function createFileWeightStore(file: string, onDamaged?: (why: string) => void): WeightStore {
  return {
    where: file,
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      try {
        return WeightsSchema.parse(JSON.parse(text));
      } catch (err) {
        onDamaged?.(`[routing] ${file}: not routing weights (${(err as Error).message.slice(0, 120)}); starting from none`);
        return undefined;
      }
    },
    async save(w) {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(w));
      await rename(tmp, file);
    },
  };
}
