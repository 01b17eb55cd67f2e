// Liveness and readiness over HTTP, for load balancers and orchestrators (deploy/kubernetes).
// Live: the process answers HTTP at all (a wedged event loop fails it, and only a restart
// helps). Ready: this replica should get new calls; false while the database is unreachable
// or the replica is draining, with the reasons in the body so an operator sees why.
import type { NodeRequest, NodeResponse } from './http-server.js';

export const HEALTH_LIVE_PATH = '/healthz/live';
export const HEALTH_READY_PATH = '/healthz/ready';

export interface ReadinessView {
  /** Empty: ready. Otherwise why not, e.g. ["draining"], ["database unreachable"]. */
  notReadyReasons(): readonly string[];
}

export function healthRoutes(readiness: ReadinessView): (req: NodeRequest, res: NodeResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    if (path !== HEALTH_LIVE_PATH && path !== HEALTH_READY_PATH) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, method, 405, { status: 'method not allowed' }, { allow: 'GET, HEAD' });
      return true;
    }
    if (path === HEALTH_LIVE_PATH) {
      send(res, method, 200, { status: 'ok' });
      return true;
    }
    const reasons = readiness.notReadyReasons();
    if (reasons.length === 0) send(res, method, 200, { status: 'ready' });
    else send(res, method, 503, { status: 'not ready', reasons });
    return true;
  };
}

function send(res: NodeResponse, method: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  (res as import('node:http').ServerResponse).writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    // A probe must see the state now, never a cached answer.
    'cache-control': 'no-store',
    ...headers,
  });
  if (method === 'HEAD') res.end();
  else res.end(text);
}
