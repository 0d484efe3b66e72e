import { z } from 'zod';
import { checkAllowedUrl, originOf, type FarmPolicy } from '@synthfarm/spec';
import type { Firing } from './schedule-state.js';

/**
 * A schedule's webhook (`notify: { url }`): a small JSON POST about a firing. Its URL must pass
 * the farm policy's origin allowlist (DESIGN §11) when the schedule is added and again when it
 * fires: what is stored in Redis never chooses where things are sent beyond the allowlist.
 */
export const NotifySchema = z.object({
  url: z.string().min(1),
  /** `problems`: only a firing that failed or rejected records (default); `always`: every firing. */
  on: z.enum(['problems', 'always']).default('problems'),
  /** How long the POST may take, in milliseconds. Default 10000. */
  timeoutMs: z.number().int().positive().default(10_000),
});
export type Notify = z.infer<typeof NotifySchema>;

/** The body posted: what a person needs to see what happened, and nothing secret (no spec, no URL). */
export interface NotifyBody {
  schedule: string;
  status: string;
  code: 0 | 1;
  written: number;
  rejected: number;
  outDir?: string;
  runId?: string;
  at: string;
  error?: string;
}

/** What {@link postFiring} did: `skipped` (nothing to report under `on: problems`), `sent`, or `failed` with why. */
export type NotifyOutcome = { outcome: 'skipped' } | { outcome: 'sent' | 'failed'; detail: string };

/**
 * Posts a firing's outcome. Never throws: resolves with what happened, for the log. Redirects are
 * not followed (a redirect could lead outside the allowlist).
 */
export async function postFiring(notify: Notify, policy: FarmPolicy, schedule: string, firing: Firing): Promise<NotifyOutcome> {
  if (notify.on === 'problems' && firing.code === 0) return { outcome: 'skipped' };
  const origin = originOf(notify.url) ?? '(not a URL)';
  try {
    checkAllowedUrl(policy, notify.url, 'notify.url');
  } catch (err) {
    return { outcome: 'failed', detail: (err as Error).message };
  }
  const body: NotifyBody = {
    schedule,
    status: firing.status,
    code: firing.code,
    written: firing.written,
    rejected: firing.rejected,
    ...(firing.outDir ? { outDir: firing.outDir } : {}),
    ...(firing.runId ? { runId: firing.runId } : {}),
    at: firing.at,
    ...(firing.error ? { error: firing.error } : {}),
  };
  try {
    const res = await fetch(notify.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'synthfarm-schedule' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(notify.timeoutMs),
    });
    await res.body?.cancel().catch(() => undefined);
    return { outcome: res.ok ? 'sent' : 'failed', detail: `${origin} answered ${res.status}` };
  } catch (err) {
    const e = err as Error;
    return { outcome: 'failed', detail: `${origin}: ${e.name === 'TimeoutError' ? `no answer within ${notify.timeoutMs} ms` : e.message}` };
  }
}
