// A bare @grpc/grpc-js echo server: the ceiling the bridged server is measured against.
// No bridge, no protobuf-es, no HandlerContext: identity (de)serialisers and a handler that
// answers with the request bytes. Use the same paths the real server serves (by default the
// RouterService's Route), so the client side of a benchmark is identical for both.
import * as grpc from '@grpc/grpc-js';

export interface EchoBaselineOptions {
  /** "host:port"; port 0 picks a free port. Default "127.0.0.1:0". */
  address?: string;
  /** Unary paths answered by echoing the request bytes. */
  unaryPaths?: string[];
  /** Server-streaming paths answered by writing the request bytes `streamCount` times. */
  streamPaths?: string[];
  streamCount?: number;
}

export interface EchoBaseline {
  port: number;
  address: string;
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

export async function startEchoBaseline(options: EchoBaselineOptions = {}): Promise<EchoBaseline> {
  const address = options.address ?? '127.0.0.1:0';
  const unaryPaths = options.unaryPaths ?? ['/switchyard.v1.RouterService/Route'];
  const streamPaths = options.streamPaths ?? [];
  const streamCount = options.streamCount ?? 10;
  const definition: grpc.ServiceDefinition<grpc.UntypedServiceImplementation> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  const add = (path: string, responseStream: boolean, handler: grpc.UntypedHandleCall): void => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    (definition as Record<string, grpc.MethodDefinition<Buffer, Buffer>>)[name] = {
      path,
      requestStream: false,
      responseStream,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    };
    implementation[name] = handler;
  };
  for (const path of unaryPaths) {
    add(path, false, (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request));
  }
  for (const path of streamPaths) {
    add(path, true, (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      for (let i = 0; i < streamCount; i++) call.write(call.request);
      call.end();
    });
  }
  // addService wants one service per call; paths may belong to different services, which
  // grpc-js does not care about (it routes by path).
  const server = new grpc.Server();
  server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    address: `${address.slice(0, address.lastIndexOf(':'))}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
