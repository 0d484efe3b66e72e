import type { IncomingMessage, ServerResponse } from 'node:http';

/** Content type Ollama (gin's c.JSON) sets on JSON answers. */
export const OLLAMA_JSON = 'application/json; charset=utf-8';

/** Largest request body read, in bytes (32 MiB: prompts with base64 images fit). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads a request body as UTF-8 text; rejects when it exceeds `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`[sim] request body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // A client that hangs up mid-body gets neither 'end' nor, on every Node version, 'error'.
    req.on('close', () => {
      if (!req.complete) reject(new Error('[sim] client closed the connection while sending the body'));
    });
  });
}

/** Sends a complete answer with an exact Content-Length. */
export function sendBody(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.length });
  res.end(bytes);
}

/** Sends a JSON answer the way Ollama's native endpoints do (no trailing newline). */
export function sendOllamaJson(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, OLLAMA_JSON, JSON.stringify(value));
}
