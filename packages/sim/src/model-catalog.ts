import { sha256 } from '@synthfarm/core';

/** `details` of a model as /api/tags, /api/ps and /api/show report it (Ollama's api.ModelDetails). */
export interface SimModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

/** A model the sim serves, with the metadata Ollama lists for it. */
export interface SimModel {
  /** Canonical `name:tag`, e.g. `gemma3:4b`, `mistral:latest`. */
  name: string;
  /** sha256 hex of the name: stable across runs, like a real manifest digest. */
  digest: string;
  /** Size on disk in bytes, estimated from the parameter count at Q4_K_M (~0.6 bytes per weight). */
  size: number;
  /** Fixed timestamp so listings are byte-identical between runs. */
  modifiedAt: string;
  details: SimModelDetails;
}

/** The model list is static, so its timestamp is too: 2025-01-01, an arbitrary fixed day. */
const MODIFIED_AT = '2025-01-01T00:00:00Z';

/**
 * Canonical form of a model name as Ollama resolves it: registry and `library/` namespace dropped,
 * `:latest` added when there is no tag, lower case (Ollama matches names case-insensitively).
 */
export function canonicalModelName(name: string): string {
  let n = name.trim().toLowerCase();
  n = n.replace(/^registry\.ollama\.ai\//, '').replace(/^library\//, '');
  const lastSegment = n.slice(n.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? n : `${n}:latest`;
}

/** Builds the listing metadata of a model from its name alone (family and size are inferred). */
export function describeModel(name: string): SimModel {
  const canonical = canonicalModelName(name);
  const [base = canonical, tag = 'latest'] = canonical.slice(canonical.lastIndexOf('/') + 1).split(':');
  // "llama3.2" → "llama3", "qwen2.5" → "qwen2": close to the families Ollama reports.
  const family = base.replace(/\.\d+$/, '');
  const billions = Number(/(\d+(?:\.\d+)?)b/.exec(tag)?.[1] ?? '3');
  return {
    name: canonical,
    digest: sha256(canonical),
    size: Math.round(billions * 1e9 * 0.6),
    modifiedAt: MODIFIED_AT,
    details: {
      parent_model: '',
      format: 'gguf',
      family,
      families: [family],
      parameter_size: `${billions.toFixed(1)}B`,
      quantization_level: 'Q4_K_M',
    },
  };
}

/** The served model a request names, or undefined when the host does not have it. */
export function findModel(models: readonly SimModel[], requested: string): SimModel | undefined {
  const wanted = canonicalModelName(requested);
  return models.find((m) => m.name === wanted);
}
