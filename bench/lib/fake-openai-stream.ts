// A minimal, fast fake OpenAI chat-completions upstream for benchmarks: every request gets the
// same precomputed SSE stream (N content chunks, finish, usage, [DONE]) in one write, so the
// upstream costs nearly nothing and differences are the gateways' own.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function sseBody(tokens: number): Buffer {
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  let out = chunk({ role: 'assistant', content: '' });
  for (let i = 0; i < tokens; i++) out += chunk({ content: ` tok${i}` });
  out += chunk({}, 'stop');
  out += `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: tokens, total_tokens: 12 + tokens } })}\n\n`;
  out += 'data: [DONE]\n\n';
  return Buffer.from(out);
}

/**
 * `paceMs` > 0: a slow upstream instead, one SSE event every paceMs (a model generating), so
 * that many streams stay open at once (the memory phase of bench:chat).
 */
export async function startFakeOpenAi(tokens: number, paceMs = 0): Promise<{ url: string; close(): Promise<void> }> {
  const body = sseBody(tokens);
  const events = body.toString().split(/(?<=\n\n)/);
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (paceMs <= 0) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': body.length });
        res.end(body);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const timer = setInterval(() => {
        if (i < events.length) res.write(events[i++]!);
        if (i >= events.length) {
          clearInterval(timer);
          res.end();
        }
      }, paceMs);
      res.on('close', () => clearInterval(timer));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

if (/fake-openai-stream\.[jt]s$/.test(process.argv[1] ?? '')) {
  const { url } = await startFakeOpenAi(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 0));
  process.stdout.write(`URL ${url}\n`);
}
