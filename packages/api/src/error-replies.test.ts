import { describe, expect, it } from 'vitest';
import { SpecError, UsageError } from '@synthfarm/core';
import { errorReply } from './error-replies.js';

describe('errorReply', () => {
  const tooLong = Object.assign(new Error("ENAMETOOLONG: name too long, mkdir '/srv/out/xxxx'"), { code: 'ENAMETOOLONG' });
  it.each([
    ['a usage error', new UsageError('out: must stay inside /srv/out'), 400, { error: 'out: must stay inside /srv/out' }],
    ['a spec error with its path', new SpecError('datasets[0].count', 'must be > 0'), 400, { error: 'datasets[0].count: must be > 0', path: 'datasets[0].count' }],
    ['ENAMETOOLONG from the file system', tooLong, 400, { error: 'out: a path is too long for the file system (ENAMETOOLONG)' }],
    ['any other error', new Error('boom'), 500, { error: 'boom' }],
  ])('%s → %d', (_, err, status, body) => {
    expect(errorReply(err)).toEqual({ status, body });
  });
});
