import { hostNameOf, pathTrickReason, readCookie, tokensEqual } from '../../../src/serve/security';

describe('path tricks', () => {
  it.each([
    ['/../etc/passwd', 'dot segments ("..", ".") are not allowed'],
    ['/a/%2e%2e/b', 'dot segments ("..", ".") are not allowed'],
    ['/a/%2E%2e', 'dot segments ("..", ".") are not allowed'],
    ['/a/%252e%252e/b', 'dot segments ("..", ".") are not allowed'],
    ['/a/./b', 'dot segments ("..", ".") are not allowed'],
    ['/a%00', 'NUL bytes are not allowed'],
    ['/a?x=%00', 'NUL bytes are not allowed'],
    ['/a\\..\\b', 'backslashes are not allowed'],
    ['/a/%5C', 'backslashes are not allowed'],
    ['/a/..%2fb', 'encoded slashes are not allowed'],
    ['//etc/passwd', 'empty path segments ("//") are not allowed'],
    ['/img//etc/passwd', 'empty path segments ("//") are not allowed'],
    ['etc/passwd', 'the request target must be an absolute path starting with "/"'],
    ['http://evil/x', 'the request target must be an absolute path starting with "/"'],
    ['/a/%zz', 'the path is not valid percent-encoding'],
  ])('%s is refused: %s', (url, reason) => {
    expect(pathTrickReason(url)).toBe(reason);
  });

  it.each(['/', '/tracks/12', '/img/crops/3', '/search?from=2024-05-01T12:00&camera=a%2Fb', '/a/..b', '/a/b..', '/a/%25'])('%s is fine', (url) => {
    expect(pathTrickReason(url)).toBeNull();
  });
});

describe('tokens, cookies, hosts', () => {
  it('compares tokens exactly, whatever their lengths', () => {
    expect(tokensEqual('abcdefghijklmnop', 'abcdefghijklmnop')).toBe(true);
    expect(tokensEqual('abcdefghijklmnoq', 'abcdefghijklmnop')).toBe(false);
    expect(tokensEqual('abc', 'abcdefghijklmnop')).toBe(false);
    expect(tokensEqual('', 'abcdefghijklmnop')).toBe(false);
  });

  it('reads one cookie', () => {
    expect(readCookie('a=1; fasr_token=x%20y; b=2', 'fasr_token')).toBe('x y');
    expect(readCookie('fasr_tokenx=1', 'fasr_token')).toBeUndefined();
    expect(readCookie(undefined, 'fasr_token')).toBeUndefined();
    expect(readCookie('fasr_token=%zz', 'fasr_token')).toBeUndefined();
  });

  it('takes the host name out of a Host header', () => {
    expect(hostNameOf('LocalHost:8470')).toBe('localhost');
    expect(hostNameOf('[::1]:8470')).toBe('::1');
    expect(hostNameOf('127.0.0.1')).toBe('127.0.0.1');
  });
});
