/**
 * Which models are "loaded" (what /api/ps lists): a model loads on its first request, stays while
 * requests run, and unloads `keep_alive` after its last one, like Ollama's scheduler.
 */
export class LoadedModels {
  private expiresAt = new Map<string, number>();
  private inUse = new Map<string, number>();

  /** A request for `name` started: the model is loaded and cannot expire while it runs. */
  begin(name: string): void {
    this.inUse.set(name, (this.inUse.get(name) ?? 0) + 1);
    if (!this.expiresAt.has(name)) this.expiresAt.set(name, Infinity);
  }

  /**
   * A request for `name` ended: the model expires `keepAliveMs` from now (0 unloads it at once,
   * Infinity keeps it forever). The last request's keep_alive wins, as in Ollama.
   */
  end(name: string, keepAliveMs: number, now = Date.now()): void {
    const left = (this.inUse.get(name) ?? 1) - 1;
    if (left > 0) this.inUse.set(name, left);
    else this.inUse.delete(name);
    this.expiresAt.set(name, keepAliveMs === Infinity ? Infinity : now + keepAliveMs);
    if (keepAliveMs <= 0 && left <= 0) this.expiresAt.delete(name);
  }

  /** Unloads a model now (a load-only request with keep_alive 0). */
  unload(name: string): void {
    if (!this.inUse.has(name)) this.expiresAt.delete(name);
  }

  /** Loaded models with their expiry (ms since epoch; Infinity = never), longest remaining first. */
  list(now = Date.now()): Array<{ name: string; expiresAt: number }> {
    const out: Array<{ name: string; expiresAt: number }> = [];
    for (const [name, expiresAt] of this.expiresAt) {
      if (this.inUse.has(name) || expiresAt > now) out.push({ name, expiresAt });
      else this.expiresAt.delete(name);
    }
    return out.sort((a, b) => b.expiresAt - a.expiresAt);
  }
}
