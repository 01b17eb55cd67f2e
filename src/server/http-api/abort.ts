// The signal a call of the HTTP APIs runs under: the caller going away, or the server's
// shutdown grace ending, cancels the upstream call.
import type { NodeResponse } from '../http-server.js';

export function callSignal(res: NodeResponse, shutdown: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const onShutdown = () => abort.abort(shutdown.reason);
  if (shutdown.aborted) onShutdown();
  shutdown.addEventListener('abort', onShutdown, { once: true });
  res.once('close', () => {
    if (!res.writableFinished) abort.abort(new DOMException('the client closed the connection', 'AbortError'));
  });
  return { signal: abort.signal, dispose: () => shutdown.removeEventListener('abort', onShutdown) };
}
