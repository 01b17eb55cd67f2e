// GET /metrics on the HTTP port: the Prometheus text exposition of this replica (src/metrics/).
// Unauthenticated, as scrapers expect; it carries no secret or message content, only ids,
// counts and timings, and the port can be bound where only the scraper reaches it.
import type { NodeRequest, NodeResponse } from './http-server.js';

export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

/** An extraRoutes handler: true when it answered the request. */
export function metricsRoute(source: MetricsSource, logError: (message: string, err: unknown) => void) {
  return (req: NodeRequest, res: NodeResponse): boolean => {
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    if (path !== '/metrics') return false;
    const out = res as import('node:http').ServerResponse;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      out.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      out.end('method not allowed\n');
      return true;
    }
    source.render().then(
      (body) => {
        out.writeHead(200, { 'content-type': source.contentType, 'content-length': String(Buffer.byteLength(body)) });
        out.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        logError('metrics collection failed', err);
        out.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        out.end('metrics collection failed\n');
      },
    );
    return true;
  };
}
