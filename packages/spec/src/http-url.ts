import { z } from 'zod';

/**
 * Why a model host or base URL is unusable, or undefined when it is fine. Only `http:` and
 * `https:` are: the model clients speak HTTP, and a `file:` or `ftp:` URL would otherwise reach
 * them and fail deep inside with their own stack trace.
 */
export function httpUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must use http:// or https://, not ${u.protocol}//`;
  if (!u.hostname) return 'has no host name';
  return undefined;
}

/** A zod string that must be an http(s) URL with a host; `example` goes into the message. */
export function httpUrl(example: string) {
  return z.string().superRefine((url, ctx) => {
    const problem = httpUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}: expected a URL like ${example}` });
  });
}
