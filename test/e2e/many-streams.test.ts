// Many concurrent streams on both ports: every one completes, and the process warns of no
// listener leak (connect-node adds a listener per running call to the server's shutdown
// signal; past ten, Node would print MaxListenersExceededWarning).
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { grpcClients, type Any, type Clients } from './fixtures.js';

const STREAMS = 40;
// Each demo reply takes a while, so the calls are all open at once.
const SLOW = JSON.stringify({ demo: { latency_ms: 100, tokens_per_second: 200 } });
let server: TestServer;
let c: Clients;
let session: Http2SessionManager;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

beforeAll(async () => {
  process.on('warning', onWarning);
  server = await startTestServer({ demo: 'on' });
  c = grpcClients(server.grpcAddress);
  session = new Http2SessionManager(server.httpUrl);
}, 60_000);

afterAll(async () => {
  process.off('warning', onWarning);
  session?.abort();
  c?.close();
  await server?.stop();
});

function grpcChat(): Promise<Any[]> {
  const stream = c.router.Chat(
    { model: 'demo/echo', messages: [{ role: 'ROLE_USER', content: 'one two three' }], provider_options_json: SLOW },
    new grpc.Metadata(),
  ) as grpc.ClientReadableStream<Any>;
  return new Promise((resolve, reject) => {
    const out: Any[] = [];
    stream.on('data', (m: Any) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

it(`${STREAMS} concurrent Chats on each port all finish, with no MaxListenersExceededWarning`, async () => {
  const connect = createClient(
    RouterService,
    createConnectTransport({ baseUrl: server.httpUrl, httpVersion: '2', sessionManager: session }),
  );
  const connectChat = async () => {
    const cases: string[] = [];
    for await (const m of connect.chat({
      model: 'demo/echo',
      messages: [{ role: 2, content: 'one two three' }],
      providerOptionsJson: SLOW,
    })) {
      cases.push(m.event.case ?? '');
    }
    return cases;
  };
  const [overGrpc, overConnect] = await Promise.all([
    Promise.all(Array.from({ length: STREAMS }, grpcChat)),
    Promise.all(Array.from({ length: STREAMS }, connectChat)),
  ]);
  for (const events of overGrpc) expect(events.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
  for (const cases of overConnect) expect(cases.at(-1)).toBe('finish');
  expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
});
