import { mapPath, parsePathMap, parseQueueSettings, redactRedisUrl } from '../../../pipelines/queue';

describe('parseQueueSettings', () => {
  test('fills the defaults, frozen', () => {
    const s = parseQueueSettings({ redisUrl: 'redis://127.0.0.1:6390' });
    expect(s).toEqual({ redisUrl: 'redis://127.0.0.1:6390', prefix: 'fasr', attempts: 3, backoffMs: 2000, keepCompletedS: 604800, keepFailedS: 604800, ingestSlots: null, srSlots: null });
    expect(Object.isFrozen(s)).toBe(true);
    expect(parseQueueSettings({ redisUrl: 'rediss://user:pw@redis.example:6380/2', srSlots: 4 }).srSlots).toBe(4);
  });

  test('rejects bad URLs (password redacted), unknown keys and out-of-range numbers', () => {
    expect(() => parseQueueSettings({ redisUrl: 'http://user:secret@host:1' })).toThrow(
      'invalid queue settings: redisUrl: expected redis://host:port[/db] or rediss://host:port[/db] (TLS), optionally with user:password@, received "http://user:***@host:1"',
    );
    expect(() => parseQueueSettings({ redisUrl: 'redis://user:secret@host:1/x' })).toThrow('received "redis://user:***@host:1/x"');
    expect(() => parseQueueSettings({ redisUrl: 'redis://h:1', atempts: 2 })).toThrow('unknown key(s) "atempts"; valid: redisUrl, prefix, attempts, backoffMs');
    expect(() => parseQueueSettings({ redisUrl: 'redis://h:1', attempts: 0 })).toThrow('attempts: Number must be greater than or equal to 1');
    expect(() => parseQueueSettings({ redisUrl: 'redis://h:1', prefix: 'a:b' })).toThrow('prefix: expected 1-64 characters of A-Z a-z 0-9 _ . -');
  });

  test('redactRedisUrl hides passwords only', () => {
    expect(redactRedisUrl('redis://default:s3cret@10.0.0.5:6379/0')).toBe('redis://default:***@10.0.0.5:6379/0');
    expect(redactRedisUrl('rediss://s3cret@host:6379')).toBe('rediss://***@host:6379');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});

describe('path maps', () => {
  test('rewrites whole path segments by the first matching rule', () => {
    const map = parsePathMap(['/srv/nvr/=/mnt/nvr', '/srv=/data']);
    expect(mapPath('/srv/nvr/cam1/a.mp4', map)).toBe('/mnt/nvr/cam1/a.mp4');
    expect(mapPath('/srv/nvr', map)).toBe('/mnt/nvr');
    expect(mapPath('/srv/nvr2/a.mp4', map)).toBe('/data/nvr2/a.mp4');
    expect(mapPath('/other/a.mp4', map)).toBe('/other/a.mp4');
    expect(mapPath('/x/a.mp4', parsePathMap(['/=/mnt']))).toBe('/mnt/x/a.mp4');
  });

  test('rejects values that are not FROM=TO with absolute prefixes', () => {
    expect(() => parsePathMap(['/a:/b'])).toThrow('--path-map: expected FROM=TO with two absolute path prefixes, e.g. /srv/nvr=/mnt/nvr, received "/a:/b"');
    expect(() => parsePathMap(['nvr=/mnt'])).toThrow('received "nvr=/mnt"');
  });
});
