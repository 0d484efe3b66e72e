import { describe, expect, it } from 'vitest';
import { SynthfarmError, UsageError } from '@synthfarm/core';
import { assertAuthConfig, isLoopbackHost, redactTokenInUrl, tokensEqual } from './auth.js';

describe('assertAuthConfig', () => {
  it.each([
    { token: 's3cret', insecure: false, host: '0.0.0.0' },
    { token: 's3cret', insecure: true, host: '0.0.0.0' },
    { token: undefined, insecure: true, host: '127.0.0.1' },
    { token: undefined, insecure: true, host: 'localhost' },
    { token: undefined, insecure: true, host: '::1' },
    { token: undefined, insecure: true, host: '[::1]' },
  ])('allows token=$token insecure=$insecure on $host', (cfg) => {
    expect(() => assertAuthConfig(cfg)).not.toThrow();
  });

  it.each([
    { cfg: { token: undefined, insecure: false, host: '0.0.0.0' }, message: '[api] no API token: set SYNTHFARM_API_TOKEN, or pass --insecure to serve without auth on a loopback host (127.0.0.1, ::1, localhost)' },
    { cfg: { token: '', insecure: false, host: '127.0.0.1' }, message: '[api] no API token: set SYNTHFARM_API_TOKEN, or pass --insecure to serve without auth on a loopback host (127.0.0.1, ::1, localhost)' },
    { cfg: { token: undefined, insecure: true, host: '0.0.0.0' }, message: "[api] --insecure serves without auth and is allowed only on a loopback host (127.0.0.1, ::1, localhost), not on '0.0.0.0': set SYNTHFARM_API_TOKEN instead" },
    { cfg: { token: undefined, insecure: true, host: '192.168.1.20' }, message: "[api] --insecure serves without auth and is allowed only on a loopback host (127.0.0.1, ::1, localhost), not on '192.168.1.20': set SYNTHFARM_API_TOKEN instead" },
    { cfg: { token: undefined, insecure: true, host: '::' }, message: "[api] --insecure serves without auth and is allowed only on a loopback host (127.0.0.1, ::1, localhost), not on '::': set SYNTHFARM_API_TOKEN instead" },
  ])('refuses $cfg with a usage error (exit 2)', ({ cfg, message }) => {
    let thrown: unknown;
    try {
      assertAuthConfig(cfg);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as SynthfarmError).exitCode).toBe(2);
    expect((thrown as Error).message).toBe(message);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['::1', true], ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false], ['::', false], ['10.0.0.1', false], ['example.com', false], ['localhost.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('tokensEqual', () => {
  it('is true only for the same token, whatever the lengths', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abd', 'abc')).toBe(false);
    expect(tokensEqual('ab', 'abc')).toBe(false);
    expect(tokensEqual('', 'abc')).toBe(false);
  });
});

describe('redactTokenInUrl', () => {
  it('hides every token= value and keeps the rest', () => {
    expect(redactTokenInUrl('/ui?token=s3cret&x=1')).toBe('/ui?token=[redacted]&x=1');
    expect(redactTokenInUrl('/runs/r1/events?a=1&TOKEN=s3cret')).toBe('/runs/r1/events?a=1&TOKEN=[redacted]');
    expect(redactTokenInUrl('/runs')).toBe('/runs');
  });
});
