// Child process of bench/route.ts: serves either Switchyard (over embedded in-memory PGlite)
// or a bare grpc-js echo answering fixed bytes, prints `PORT <n>` and runs until killed.
import * as grpc from '@grpc/grpc-js';
import { startApp } from '../src/app/app.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log.js';
import { profileUntilSigterm } from './lib/profile.js';

const mode = process.argv[2];
const identity = (b: Buffer): Buffer => b;

if (mode === 'switchyard') {
  const config = loadConfig(
    {
      config: process.env.BENCH_CONFIG,
      grpcListen: '127.0.0.1:0',
      httpListen: '127.0.0.1:0',
      dataDir: 'memory://',
      databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
    },
    process.env,
  );
  const app = await startApp({ config, log: silentLogger });
  process.stdout.write(`PORT ${app.grpcPort}\n`);
} else if (mode === 'bridge') {
  // The gRPC bridge with a trivial impl answering a fixed message: isolates transport cost.
  const { fromBinary } = await import('@bufbuild/protobuf');
  const { RouterService, RouteResponseSchema } = await import('../gen/switchyard/v1/router_pb.js');
  const { startGrpcServer } = await import('../src/server/grpc-server.js');
  const reply = fromBinary(RouteResponseSchema, Buffer.from(process.env.BENCH_REPLY_B64 ?? '', 'base64'));
  const server = await startGrpcServer({
    address: '127.0.0.1:0',
    services: [{ service: RouterService, impl: { route: async () => reply } }],
    maxReceiveMessageBytes: 8 << 20,
  });
  process.stdout.write(`PORT ${server.port}\n`);
} else if (mode === 'grpc-service') {
  // A bare grpc-js service written the usual way: the .proto loaded with @grpc/proto-loader,
  // messages decoded and encoded by grpc-js (protobufjs), a handler answering the same
  // RouteResponse content Switchyard answered. No bridge, no auth, no planning.
  const protoLoader = await import('@grpc/proto-loader');
  const def = protoLoader.loadSync('switchyard/v1/router.proto', {
    includeDirs: ['proto'],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { switchyard: { v1: { RouterService: grpc.ServiceClientConstructor } } };
  const svc = pkg.switchyard.v1.RouterService.service;
  const reply = svc.Route!.responseDeserialize(Buffer.from(process.env.BENCH_REPLY_B64 ?? '', 'base64'));
  const server = new grpc.Server();
  server.addService(svc, { Route: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, reply) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.stdout.write(`PORT ${port}\n`);
} else if (mode === 'stream-echo') {
  // A bare grpc-js server-streaming handler answering every Chat with fixed messages (the ones
  // Switchyard streamed for the bench's request, comma-separated base64 in BENCH_REPLIES_B64):
  // the cost of one gRPC hop for that response shape, with no gateway work at all.
  const replies = (process.env.BENCH_REPLIES_B64 ?? '').split(',').map((b) => Buffer.from(b, 'base64'));
  const server = new grpc.Server();
  server.addService(
    {
      Chat: {
        path: '/switchyard.v1.RouterService/Chat',
        requestStream: false,
        responseStream: true,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Chat: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        for (const r of replies) call.write(r);
        call.end();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.stdout.write(`PORT ${port}\n`);
} else if (mode === 'echo') {
  // Answers every Route with the same bytes Switchyard answered, so both send equal payloads.
  const reply = Buffer.from(process.env.BENCH_REPLY_B64 ?? '', 'base64');
  const server = new grpc.Server();
  server.addService(
    {
      Route: {
        path: '/switchyard.v1.RouterService/Route',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    { Route: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, reply) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.stdout.write(`PORT ${port}\n`);
} else {
  process.stderr.write('usage: route-server.ts switchyard|bridge|grpc-service|echo|stream-echo\n');
  process.exit(2);
}

await profileUntilSigterm();
