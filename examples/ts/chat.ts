// Calls Switchyard from TypeScript with the generated code in gen/ (protoc-gen-es) and
// Connect's gRPC transport (@connectrpc/connect-node, already a dependency of this package).
//
// Reads a model's metadata, streams a Chat printing tokens as they arrive, then makes a call the
// server refuses (a Chat with no messages) and reads the google.rpc details of the error.
//
//   SWITCHYARD_ADDR=127.0.0.1:50051 SWITCHYARD_KEY=... npx tsx examples/ts/chat.ts
//
// Optional: SWITCHYARD_MODEL (default openai/gpt-4o-mini), SWITCHYARD_PROMPT.
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { Role, type Usage } from '../../gen/switchyard/v1/common_pb.js';
import { FinishReason, RouterService } from '../../gen/switchyard/v1/router_pb.js';

const addr = process.env.SWITCHYARD_ADDR || '127.0.0.1:50051';
const key = process.env.SWITCHYARD_KEY ?? '';
const model = process.env.SWITCHYARD_MODEL || 'openai/gpt-4o-mini';
const prompt = process.env.SWITCHYARD_PROMPT || 'Say hello.';

// The gRPC port speaks gRPC over h2c (plaintext HTTP/2). The HTTP port (:8080) also accepts
// createConnectTransport({ baseUrl: 'http://127.0.0.1:8080', httpVersion: '1.1' }).
const transport = createGrpcTransport({ baseUrl: `http://${addr}` });
const router = createClient(RouterService, transport);
// Every call carries the key as a bearer token (none in dev mode).
const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};

// 1. Model metadata.
const { model: m } = await router.modelMetadata({ model }, { headers, timeoutMs: 30_000 });
console.log(
  `model ${m?.id} provider=${m?.provider} context_window=${m?.contextWindow} max_output_tokens=${m?.maxOutputTokens} ` +
    `input_price=${m?.pricing?.input ?? 0n} output_price=${m?.pricing?.output ?? 0n}`,
);

// 2. A streamed chat: print each text delta as soon as it arrives.
process.stdout.write('text: ');
let usage: Usage | undefined;
for await (const ev of router.chat({ model, messages: [{ role: Role.USER, content: prompt }] }, { headers, timeoutMs: 60_000 })) {
  switch (ev.event.case) {
    case 'delta':
      process.stdout.write(ev.event.value.text);
      break;
    case 'usage':
      usage = ev.event.value;
      break;
    case 'finish': {
      const f = ev.event.value;
      console.log();
      console.log(
        `finish FINISH_REASON_${FinishReason[f.reason]} input_tokens=${usage?.inputTokens ?? 0n} ` +
          `output_tokens=${usage?.outputTokens ?? 0n} cost=${usage?.cost ?? 0n}`,
      );
      if (f.error) console.log(`finish_error ${f.error.code}: ${f.error.message}`);
      break;
    }
  }
}

// 3. A refused call: Connect decodes the `grpc-status-details-bin` trailer; findDetails()
//    unpacks google.rpc.ErrorInfo (the reason) and, for bad input, BadRequest.
try {
  for await (const _ of router.chat({ model }, { headers, timeoutMs: 30_000 })) void _;
  console.error('the empty chat was not refused');
  process.exit(1);
} catch (e) {
  const err = ConnectError.from(e);
  console.log(`refused code=${err.code} (${Code[err.code]}) message=${err.rawMessage}`);
  for (const info of err.findDetails(ErrorInfoSchema)) {
    const meta = Object.keys(info.metadata)
      .sort()
      .map((k) => ` metadata.${k}=${info.metadata[k]}`)
      .join('');
    console.log(`error_info reason=${info.reason} domain=${info.domain}${meta}`);
  }
  for (const bad of err.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) console.log(`violation ${v.field}: ${v.description}`);
  }
}
