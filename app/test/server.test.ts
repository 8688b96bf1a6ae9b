import type { AddressInfo } from 'node:net';
import type * as http from 'node:http';
import { createMetrics } from '../src/metrics';
import { silentLogger } from '../src/log';
import { Handlers, createHttpServer, resolveRoute } from '../src/server';

describe('resolveRoute', () => {
  it('maps known paths, ignoring the query string', () => {
    expect(resolveRoute('GET', '/leader?x=1')).toEqual({ kind: 'route', route: 'leader' });
    expect(resolveRoute('HEAD', '/healthz')).toEqual({ kind: 'route', route: 'healthz' });
  });
  it('404 for unknown paths (including prototype names), 405 for other methods', () => {
    expect(resolveRoute('GET', '/nope')).toEqual({ kind: 'not_found' });
    expect(resolveRoute('GET', '/constructor')).toEqual({ kind: 'not_found' });
    expect(resolveRoute('GET', '/members/')).toEqual({ kind: 'not_found' });
    expect(resolveRoute('POST', '/config')).toEqual({ kind: 'method_not_allowed', route: 'config' });
  });
});

describe('HTTP server', () => {
  let server: http.Server;
  let base: string;
  const metrics = createMetrics({ defaultMetrics: false });
  let healthy = true;
  const handlers: Handlers = {
    healthz: () => (healthy ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'unavailable' } }),
    config: () => ({ status: 200, body: { path: '/c', value: 'v', version: 3, updatedAt: 'x' } }),
    members: async () => {
      throw new Error('boom');
    },
    leader: () => ({ status: 200, body: { leader: 'a', self: 'a', isLeader: true } }),
    metrics: async () => ({ status: 200, body: await metrics.registry.metrics(), contentType: metrics.registry.contentType }),
  };

  beforeAll(async () => {
    server = createHttpServer(handlers, metrics, silentLogger);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('serves JSON with status codes from the handlers', async () => {
    let res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
    healthy = false;
    res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    healthy = true;
  });

  it('turns a throwing handler into 500, unknown paths into 404, wrong methods into 405', async () => {
    expect((await fetch(`${base}/members`)).status).toBe(500);
    expect((await fetch(`${base}/x`)).status).toBe(404);
    const res = await fetch(`${base}/config`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('HEAD returns headers without a body', async () => {
    const res = await fetch(`${base}/config`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('counts requests by route and code in zk_app_http_requests_total', async () => {
    await fetch(`${base}/leader`);
    await fetch(`${base}/leader`);
    await fetch(`${base}/does-not-exist`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^zk_app_http_requests_total\{route="leader",code="200"\} 2$/m);
    expect(text).toMatch(/^zk_app_http_requests_total\{route="other",code="404"\} [1-9]/m);
    expect(text).toMatch(/^zk_app_http_requests_total\{route="members",code="500"\} 1$/m);
  });
});
