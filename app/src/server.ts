/**
 * HTTP front end (node:http). Routing is a pure function; handlers return
 * { status, body } and the server serialises, counts and logs.
 */
import * as http from 'node:http';
import type { Logger } from './log';
import { errorFields } from './log';
import type { AppMetrics } from './metrics';

export type Route = 'healthz' | 'config' | 'members' | 'leader' | 'metrics';

export type Resolved =
  | { kind: 'route'; route: Route }
  | { kind: 'not_found' }
  | { kind: 'method_not_allowed'; route: Route };

const ROUTES: Record<string, Route> = {
  '/healthz': 'healthz',
  '/config': 'config',
  '/members': 'members',
  '/leader': 'leader',
  '/metrics': 'metrics',
};

/** Maps a request to a route; the query string is ignored, only GET/HEAD are served. */
export function resolveRoute(method: string | undefined, url: string | undefined): Resolved {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const route = Object.prototype.hasOwnProperty.call(ROUTES, path) ? ROUTES[path] : undefined;
  if (!route) return { kind: 'not_found' };
  if (method !== 'GET' && method !== 'HEAD') return { kind: 'method_not_allowed', route };
  return { kind: 'route', route };
}

export interface Reply {
  status: number;
  /** Objects are sent as JSON; strings as-is with `contentType`. */
  body: unknown;
  contentType?: string;
}

export type Handlers = Record<Route, () => Promise<Reply> | Reply>;

function send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
  const isText = typeof reply.body === 'string';
  const payload = isText ? (reply.body as string) : JSON.stringify(reply.body) + '\n';
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

export function createHttpServer(handlers: Handlers, metrics: AppMetrics, logger: Logger): http.Server {
  return http.createServer((req, res) => {
    const resolved = resolveRoute(req.method, req.url);
    const label = resolved.kind === 'not_found' ? 'other' : resolved.route;
    const finish = (reply: Reply): void => {
      metrics.httpRequests.inc({ route: label, code: String(reply.status) });
      if (reply.status >= 500 && label !== 'healthz') {
        logger.warn('http_error', { method: req.method, url: req.url, status: reply.status });
      }
      send(req, res, reply);
    };
    if (resolved.kind === 'not_found') {
      finish({ status: 404, body: { error: 'not found' } });
      return;
    }
    if (resolved.kind === 'method_not_allowed') {
      res.setHeader('allow', 'GET, HEAD');
      finish({ status: 405, body: { error: 'method not allowed' } });
      return;
    }
    Promise.resolve()
      .then(() => handlers[resolved.route]())
      .then(finish, (err: unknown) => {
        logger.error('http_handler_failed', { route: resolved.route, ...errorFields(err) });
        finish({ status: 500, body: { error: 'internal error' } });
      });
  });
}
