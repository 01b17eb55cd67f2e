// Child process of bench/chat.ts: the floor of a gRPC streaming gateway on this machine. The
// same gRPC bridge, undici request to the same fake upstream, SSE framing and chunk decoding
// (the text-delta template, JSON.parse for the rest), and the same five messages Switchyard
// sends (route, first token, the rest merged, usage, finish) — but no auth, validation,
// planning, budgets, ledger, decision record, executor, retries, health or coalescing.
// Switchyard's time minus this row's is what its gateway logic costs; this row's time minus
// direct is what the transport costs.
import { create } from '@bufbuild/protobuf';
import { request } from 'undici';
import { ChatResponseSchema, RouterService } from '../gen/switchyard/v1/router_pb.js';
import { sseBatches } from '../src/providers/framing/sse.js';
import { TextDeltaTemplate } from '../src/providers/openai/text-delta-template.js';
import type { OaChunk } from '../src/providers/openai/wire.js';
import { startGrpcServer } from '../src/server/grpc-server.js';
import { profileUntilSigterm } from './lib/profile.js';

const url = `${process.env.BENCH_UPSTREAM}/v1/chat/completions`;
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Say 200 things.' }],
});
const event = (e: object) => create(ChatResponseSchema, { event: e as never });

async function* chat() {
  yield event({ case: 'route', value: { provider: 'openai', model: 'openai/gpt-4o-mini' } });
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body,
  });
  let first = true;
  let rest = '';
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  const template = new TextDeltaTemplate();
  for await (const batch of sseBatches(res.body)) {
    for (const m of batch) {
      if (m.data === '[DONE]') continue;
      // The same decoding as Switchyard's: most chunks through the text-delta template.
      let text = template.match(m.data);
      if (text === undefined) {
        const chunk = JSON.parse(m.data) as OaChunk;
        template.learn(m.data, chunk);
        if (chunk.usage) usage = chunk.usage as typeof usage;
        text = chunk.choices?.[0]?.delta?.content ?? '';
      }
      if (!text) continue;
      if (first) {
        first = false;
        yield event({ case: 'delta', value: { text } });
      } else rest += text;
    }
  }
  yield event({ case: 'delta', value: { text: rest } });
  yield event({
    case: 'usage',
    value: { inputTokens: BigInt(usage?.prompt_tokens ?? 0), outputTokens: BigInt(usage?.completion_tokens ?? 0) },
  });
  yield event({ case: 'finish', value: {} });
}

const server = await startGrpcServer({
  address: '127.0.0.1:0',
  services: [{ service: RouterService, impl: { chat } }],
  maxReceiveMessageBytes: 8 << 20,
});
process.stdout.write(`PORT ${server.port}\n`);
await profileUntilSigterm();
