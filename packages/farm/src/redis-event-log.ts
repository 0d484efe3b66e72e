import type { Redis } from 'ioredis';
import { parseRunEvent, type EventLog } from '@synthfarm/engine';
import { EVENT_STREAM_MAXLEN } from './farm-constants.js';
import type { FarmKeys } from './keys.js';

/**
 * A farm run's event stream: `XADD {prefix}:run:<id>:events MAXLEN ~ N * e <json>` (one entry per
 * event, field `e`), the way Redis Streams are meant to be capped (as BullMQ caps its own event
 * stream). Bounded: {@link EventLog.read} returns the entries still kept.
 */
export function createRedisEventLog(redis: Redis, keys: FarmKeys, runId: string, maxLen = EVENT_STREAM_MAXLEN): EventLog {
  const key = keys.eventStream(runId);
  return {
    async append(events) {
      if (!events.length) return;
      const m = redis.multi();
      for (const e of events) m.xadd(key, 'MAXLEN', '~', maxLen, '*', 'e', JSON.stringify(e));
      await m.exec();
    },
    async *read() {
      let from = '-';
      for (;;) {
        const page = await redis.xrange(key, from, '+', 'COUNT', 500);
        for (const [, fields] of page) {
          const i = fields.indexOf('e');
          if (i >= 0 && fields[i + 1] !== undefined) yield parseRunEvent(fields[i + 1]!, key);
        }
        if (page.length < 500) return;
        from = `(${page.at(-1)![0]}`;
      }
    },
  };
}
