// Server-sent events on a Node response, shared by the HTTP APIs: the headers once, then
// frames written with backpressure (a slow reader holds the stream instead of growing this
// process's buffers), and nothing once the client has gone.
import type { ServerResponse } from 'node:http';
import type { NodeResponse } from '../http-server.js';

export class SseWriter {
  #started = false;
  #closed = false;

  constructor(private readonly res: NodeResponse) {
    res.once('close', () => {
      this.#closed = true;
    });
  }

  get started(): boolean {
    return this.#started;
  }

  /** Sends the 200 and the stream's headers (once). */
  start(headers: Record<string, string>): void {
    if (this.#started) return;
    this.#started = true;
    (this.res as ServerResponse).writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // Reverse proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
      ...headers,
    });
  }

  /** Writes one event (`event:` line when named); waits while the client's socket is full. */
  async frame(data: string, event?: string): Promise<void> {
    if (this.#closed) return;
    const text = event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
    if ((this.res as ServerResponse).write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    this.res.end();
  }
}
