import type { FastifyInstance } from 'fastify';
import { main, type CliIo } from '../../../src/cli/main';
import { CONTENT_SECURITY_POLICY, createServeApp, noActions, parseServeConfig } from '../../../src/serve';
import type { Store } from '../../../src/store';
import { buildStore, httpRequest, listen, makeTempDir, recordingActions } from './serve-fixtures';

const TOKEN = 'correct-horse-battery-staple-42';

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('review server security', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: Store;
  let dbFile: string;
  const apps: FastifyInstance[] = [];

  beforeAll(() => {
    tmp = makeTempDir();
    const built = buildStore(tmp.dir);
    store = built.store;
    dbFile = built.file;
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    store.close();
    tmp.cleanup();
  });

  async function serve(config: Record<string, unknown> = {}): Promise<number> {
    const { app } = createServeApp(store, parseServeConfig(config), recordingActions([]));
    apps.push(app);
    return listen(app);
  }

  it('refuses path traversal and other path tricks with 400 before any route, over real HTTP', async () => {
    const port = await serve();
    const tricks = [
      '/../etc/passwd',
      '/img/crops/../../etc/passwd',
      '/img/crops/..%2f..%2fetc%2fpasswd',
      '/img/%2e%2e/%2e%2e/etc/passwd',
      '/img/crops/%2E%2E',
      '/img/crops/%252e%252e/x',
      '/assets/./app.js',
      '/img/crops/1%00',
      '/img/crops/1%00.png',
      '//etc/passwd',
      '/img/crops//etc/passwd',
      '/img/crops/..\\..\\windows\\win.ini',
      '/img/crops/%5c..%5cx',
      '/img/crops/%ff%fe',
    ];
    for (const target of tricks) {
      const r = await httpRequest(port, 'GET', target);
      expect([target, r.status]).toEqual([target, 400]);
      expect(r.json<{ error: string; message: string }>().error).toBe('E_PATH');
      expect(r.body).not.toContain('root:');
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    }
    const r = await httpRequest(port, 'GET', '/img/crops/..%2f..%2fetc%2fpasswd');
    expect(r.json<{ message: string }>().message).toBe('refused request path: encoded slashes are not allowed');
    expect((await httpRequest(port, 'GET', '/../etc/passwd')).json<{ message: string }>().message).toBe('refused request path: dot segments ("..", ".") are not allowed');
    // Absolute paths and file names as ids are not ids.
    expect((await httpRequest(port, 'GET', '/img/crops/%2Fetc%2Fpasswd')).status).toBe(400);
    expect((await httpRequest(port, 'GET', '/img/crops/passwd')).status).toBe(400);
  });

  it('lists no directories: folder-like URLs are plain 404s', async () => {
    const port = await serve();
    for (const target of ['/img/', '/img/crops/', '/assets/', '/assets', '/node_modules/', '/src/serve/index.ts', '/ui.sqlite']) {
      const r = await httpRequest(port, 'GET', target, { accept: 'text/html' });
      // '/img/crops/' reaches the crop route with an empty id: 400 (not an id); everything else: 404.
      expect([target, r.status]).toEqual([target, target === '/img/crops/' ? 400 : 404]);
      expect(r.body).not.toMatch(/index of|<li>|export \{|SQLite format/i); // no listing, no file contents
    }
  });

  it('on loopback, answers only to loopback Host headers (DNS rebinding)', async () => {
    const port = await serve();
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`]) {
      const r = await httpRequest(port, 'GET', '/api/status', { host });
      expect([host, r.status]).toEqual([host, 421]);
      expect(r.json<{ error: string }>().error).toBe('E_HOST');
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect([host, (await httpRequest(port, 'GET', '/api/status', { host })).status]).toEqual([host, 200]);
    }
  });

  it('with a token: no token, a wrong bearer, a wrong cookie or a wrong ?token= are 401; the right ones pass', async () => {
    const port = await serve({ token: TOKEN });
    const none = await httpRequest(port, 'GET', '/api/status');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="fasr"');
    expect(none.json<{ message: string }>().message).toBe('this server requires a token: send "Authorization: Bearer <token>" or open any page once with ?token=<token>');
    expect((await httpRequest(port, 'GET', '/img/crops/1')).status).toBe(401);
    expect((await httpRequest(port, 'GET', '/api/status', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await httpRequest(port, 'GET', '/api/status', { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(401);
    expect((await httpRequest(port, 'GET', '/api/status', { authorization: 'Basic abc' })).status).toBe(401);
    expect((await httpRequest(port, 'GET', '/api/status', { cookie: 'fasr_token=guess' })).status).toBe(401);
    expect((await httpRequest(port, 'GET', '/?token=guess')).status).toBe(401);
    expect((await httpRequest(port, 'GET', '/api/status', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // Login: ?token= sets an HttpOnly, SameSite=Strict cookie and redirects to the URL without the token.
    const login = await httpRequest(port, 'GET', `/sources/1?after=0&token=${TOKEN}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/sources/1?after=0');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toBe(`fasr_token=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
    const withCookie = await httpRequest(port, 'GET', '/sources/1', { cookie: `other=1; fasr_token=${TOKEN}`, accept: 'text/html' });
    expect(withCookie.status).toBe(200);
    expect(withCookie.body).toContain('id="timeline"');
    // Actions need the token too.
    expect((await httpRequest(port, 'POST', '/api/export', { 'content-type': 'application/json' }, '{"trackIds":[1]}')).status).toBe(401);
  });

  it('sends a CSP and hardening headers on pages, API answers, images and errors', async () => {
    const port = await serve();
    for (const target of ['/', '/api/status', '/img/crops/1', '/nothing', '/tracks/abc']) {
      const r = await httpRequest(port, 'GET', target);
      expect(r.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    // No inline script or style on any page (the CSP would block them).
    const page = await httpRequest(port, 'GET', '/tracks/1', { accept: 'text/html' });
    expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]|\sstyle="|\son[a-z]+="/i);
  });

  it('accepts actions only as same-origin JSON (no text/plain form posts, no cross-origin Origin)', async () => {
    const port = await serve();
    const plain = await httpRequest(port, 'POST', '/api/export', { 'content-type': 'text/plain' }, '{"trackIds":[1]}');
    expect(plain.status).toBe(415);
    const form = await httpRequest(port, 'POST', '/api/export', { 'content-type': 'application/x-www-form-urlencoded' }, 'trackIds=1');
    expect(form.status).toBe(415);
    const cross = await httpRequest(port, 'POST', '/api/export', { 'content-type': 'application/json', origin: 'http://evil.example' }, '{"trackIds":[1]}');
    expect(cross.status).toBe(403);
    expect(cross.json<{ message: string }>().message).toBe('refused cross-origin request from "http://evil.example"');
    const same = await httpRequest(port, 'POST', '/api/export', { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` }, '{"trackIds":[1]}');
    expect(same.status).toBe(202);
  });

  it('refuses to start on a non-loopback host without a token (config and CLI)', async () => {
    expect(() => parseServeConfig({ host: '0.0.0.0' })).toThrow(
      'serve config: host "0.0.0.0" is not a loopback address; serving on it requires a token (--token, 16+ characters) so that only holders of the token can see the store',
    );
    expect(() => parseServeConfig({ host: '192.168.1.10', token: 'short' })).toThrow('serve config: token: at least 16 characters, received "short"');
    expect(parseServeConfig({ host: '0.0.0.0', token: TOKEN }).host).toBe('0.0.0.0');
    const io = capture();
    const saved = process.env.FASR_SERVE_TOKEN;
    delete process.env.FASR_SERVE_TOKEN;
    try {
      expect(await main(['serve', '--db', dbFile, '--host', '0.0.0.0', '--port', '0'], io)).toBe(1);
    } finally {
      if (saved !== undefined) process.env.FASR_SERVE_TOKEN = saved;
    }
    expect(io.stderr()).toBe(
      'fasr: serve config: host "0.0.0.0" is not a loopback address; serving on it requires a token (--token, 16+ characters) so that only holders of the token can see the store\n',
    );
    const missing = capture();
    expect(await main(['serve', '--db', `${tmp.dir}/none.sqlite`], missing)).toBe(1);
    expect(missing.stderr()).toBe(`fasr: --db: no store at ${tmp.dir}/none.sqlite (create one with "fasr process")\n`);
    const badPort = capture();
    expect(await main(['serve', '--db', dbFile, '--port', '70000'], badPort)).toBe(1);
    expect(badPort.stderr()).toBe('fasr: --port: expected an integer in [0, 65535], received "70000"\n');
  });

  it('a read-only server over a read-only store refuses actions even with a valid token', async () => {
    const { app } = createServeApp(store, parseServeConfig({ token: TOKEN, readOnly: true }), noActions('n/a'));
    apps.push(app);
    const port = await listen(app);
    const r = await httpRequest(port, 'POST', '/api/tracks/1/enhance', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, '{}');
    expect(r.status).toBe(403);
  });
});
