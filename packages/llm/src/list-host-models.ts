import { BackendUnavailable } from '@synthfarm/core';
import { hintPort } from './host-url.js';
import { loadOllama } from './sdk-modules.js';

/**
 * Models an Ollama host serves (GET /api/tags), through the same client the Ollama backend
 * uses: a farm worker asks its host which model queues to listen to, and again when a cooldown
 * ends. `component` prefixes the message (`worker`).
 * @throws BackendUnavailable naming the URL and how to start a host (exit 3).
 */
export async function listHostModels(url: string, component = 'llm'): Promise<string[]> {
  try {
    const { Ollama } = await loadOllama();
    const res = await new Ollama({ host: url }).list();
    return res.models.map((m) => m.name);
  } catch (err) {
    throw new BackendUnavailable(`[${component}] host ${url} does not answer /api/tags (${(err as Error).message}); start one with \`ollama serve\` or \`synthfarm sim --port ${hintPort(url)}\``);
  }
}
