import * as path from 'node:path';
import { ConfigError } from '../../../src/contracts';
import { DEFAULT_SERVE_CONFIG, isLoopbackHost, parseServeConfig } from '../../../src/serve/serve-config';

describe('parseServeConfig', () => {
  it('fills frozen defaults: loopback, no token, not read-only', () => {
    const c = parseServeConfig({});
    expect(c).toEqual({ ...DEFAULT_SERVE_CONFIG, exportDir: path.resolve('./fasr-exports') });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SERVE_CONFIG)).toBe(true);
  });

  it('requires a token for any non-loopback host', () => {
    expect(() => parseServeConfig({ host: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => parseServeConfig({ host: '::' })).toThrow(/is not a loopback address; serving on it requires a token/);
    expect(parseServeConfig({ host: '0.0.0.0', token: 'x'.repeat(16) }).token).toBe('x'.repeat(16));
    expect(parseServeConfig({ host: 'localhost' }).host).toBe('localhost');
  });

  it('names the bad field, what was expected and what was received; rejects unknown keys', () => {
    expect(() => parseServeConfig({ port: 70000 })).toThrow('serve config: port: Number must be less than or equal to 65535, received 70000');
    expect(() => parseServeConfig({ token: 'has space in it 1234' })).toThrow('serve config: token: printable ASCII without spaces, received "has space in it 1234"');
    expect(() => parseServeConfig({ readonly: true })).toThrow(
      'serve config: unknown option(s) "readonly"; valid options: host, port, token, readOnly, pageSize, exportDir, pollIntervalMs',
    );
    expect(() => parseServeConfig({ host: 'a b' })).toThrow('serve config: host: a host name or IP address, received "a b"');
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST']) expect([h, isLoopbackHost(h)]).toEqual([h, true]);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'localhost.evil.example', '127.0.0.1.nip.io', '']) expect([h, isLoopbackHost(h)]).toEqual([h, false]);
  });
});
