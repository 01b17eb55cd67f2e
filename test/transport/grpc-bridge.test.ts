// The gRPC port through a grpc-js client that loads the .proto independently (proto-loader),
// so the bridge is checked against the contract, not against its own descriptors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/server/grpc-server.js';
import { serviceRegistration } from '../../src/server/grpc-bridge.js';
import { PROTO_DIR, records, silentLogger, testRouterImpl, waitFor } from './test-service.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClient = any;

let server: RunningGrpcServer;
let client: AnyClient;

beforeAll(async () => {
  server = await startGrpcServer({
    address: '127.0.0.1:0',
    services: [serviceRegistration(RouterService, testRouterImpl)],
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    logger: silentLogger,
  });
  const def = protoLoader.loadSync('switchyard/v1/router.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as AnyClient;
  client = new pkg.switchyard.v1.RouterService(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server?.close(100);
});

function unary(method: string, req: object, md = new grpc.Metadata(), opts: grpc.CallOptions = {}) {
  let header: grpc.Metadata | undefined;
  let status: grpc.StatusObject | undefined;
  const result = new Promise<{ res: AnyClient; header?: grpc.Metadata; status?: grpc.StatusObject }>((resolve, reject) => {
    const call = client[method](req, md, opts, (err: grpc.ServiceError | null, res: AnyClient) => {
      // 'status' is emitted right after the callback; give it a tick.
      setImmediate(() => (err ? reject(err) : resolve({ res, header, status })));
    });
    call.on('metadata', (m: grpc.Metadata) => (header = m));
    call.on('status', (s: grpc.StatusObject) => (status = s));
  });
  return result;
}

function collect(call: grpc.ClientReadableStream<AnyClient>) {
  return new Promise<{ messages: AnyClient[]; status?: grpc.StatusObject; header?: grpc.Metadata; error?: grpc.ServiceError }>(
    (resolve) => {
      const messages: AnyClient[] = [];
      let header: grpc.Metadata | undefined;
      let error: grpc.ServiceError | undefined;
      call.on('metadata', (m) => (header = m));
      call.on('data', (m) => messages.push(m));
      call.on('error', (e: grpc.ServiceError) => (error = e));
      call.on('status', (status) => setImmediate(() => resolve({ messages, status, header, error })));
    },
  );
}

describe('gRPC port (grpc-js client, proto loaded independently)', () => {
  it('round-trips a unary call, with metadata, headers and trailers', async () => {
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer sk-test');
    const { res, header, status } = await unary(
      'Route',
      {
        model: 'openai/gpt-4o',
        request_id: 'r-1',
        max_output_tokens: '21',
        messages: [
          { role: 'ROLE_USER', content: 'a' },
          { role: 'ROLE_USER', content: 'b' },
        ],
      },
      md,
    );
    expect(res.decision_id).toBe('auth=Bearer sk-test');
    expect(res.resolved).toBe('openai/gpt-4o');
    expect(res.policy_version).toBe('r-1');
    expect(res.catalog_version).toBe('grpc:no-deadline');
    expect(res.candidates.map((c: AnyClient) => c.model)).toEqual(['a', 'b']);
    expect(res.candidates[1].rank).toBe(1);
    expect(res.estimate.input_tokens).toBe('42');
    expect(header?.get('x-echo-header')).toEqual(['hello']);
    expect(status?.metadata.get('x-echo-trailer')).toEqual(['bye']);
  });

  it('passes a deadline to the impl as timeoutMs', async () => {
    const { res } = await unary('Route', { model: 'm' }, new grpc.Metadata(), {
      deadline: Date.now() + 10_000,
    });
    expect(res.catalog_version).toBe('grpc:deadline');
  });

  it('returns a larger unary response', async () => {
    const { res } = await unary('ListModels', { page_size: 500 });
    expect(res.models).toHaveLength(500);
    expect(res.models[499].id).toBe('m-499');
    expect(res.total_size).toBe(500);
  });

  it('streams server messages, with headers and trailers', async () => {
    const call = client.Chat({ model: 'events:5:0', request_id: 's-1' });
    const { messages, status, header } = await collect(call);
    expect(status?.code).toBe(grpc.status.OK);
    expect(messages.map((m) => m.delta.text)).toEqual(['tok0', 'tok1', 'tok2', 'tok3', 'tok4']);
    expect(header?.get('x-chat-header')).toEqual(['h']);
    expect(status?.metadata.get('x-chat-trailer')).toEqual(['t']);
    expect(records.get('s-1')?.finallyRan).toBe(true);
  });

  it("ends a stream with the impl's error after some messages", async () => {
    const { messages, error } = await collect(client.Chat({ model: 'events:5:0:0:fail', request_id: 's-2' }));
    expect(messages).toHaveLength(2);
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toBe('upstream broke');
  });

  it('hides a plain Error thrown mid-stream behind INTERNAL', async () => {
    const { messages, error } = await collect(client.Chat({ model: 'events:5:0:0:boom', request_id: 's-3' }));
    expect(messages).toHaveLength(2);
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).toBe('internal error');
  });

  it('maps a ConnectError to its code, raw message and grpc-status-details-bin', async () => {
    const err: grpc.ServiceError = await unary('Embed', { model: 'm' }).then(
      () => expect.fail('should fail'),
      (e) => e,
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('bad input');
    expect(err.metadata.get('x-error-meta')).toEqual(['m']);
    const bin = err.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const status = fromBinary(StatusSchema, bin);
    expect(status.code).toBe(Code.InvalidArgument);
    expect(status.message).toBe('bad input');
    expect(status.details.map((d) => d.typeUrl)).toEqual([
      'type.googleapis.com/google.rpc.ErrorInfo',
      'type.googleapis.com/google.rpc.BadRequest',
    ]);
    const info = anyUnpack(status.details[0]!, ErrorInfoSchema);
    expect(info?.reason).toBe('INPUT_EMPTY');
    expect(info?.metadata).toEqual({ field: 'inputs' });
    const bad = anyUnpack(status.details[1]!, BadRequestSchema);
    expect(bad?.fieldViolations[0]?.field).toBe('inputs');
  });

  it("answers INTERNAL without leaking a plain Error's message, and logs it", async () => {
    silentLogger.errors.length = 0;
    const err: grpc.ServiceError = await unary('ModelMetadata', { model: 'm' }).then(
      () => expect.fail('should fail'),
      (e) => e,
    );
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(err.details).toBe('internal error');
    expect(JSON.stringify(err.metadata.toJSON())).not.toContain('hunter2');
    expect(silentLogger.errors).toHaveLength(1);
    expect(String(silentLogger.errors[0])).toContain('hunter2');
  });

  it('answers UNIMPLEMENTED for a method the impl lacks', async () => {
    const err: grpc.ServiceError = await unary('GetDecision', { decision_id: 'd' }).then(
      () => expect.fail('should fail'),
      (e) => e,
    );
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toContain('switchyard.v1.RouterService.GetDecision');
  });

  it("answers DEADLINE_EXCEEDED and aborts the impl's signal (unary)", async () => {
    const err: grpc.ServiceError = await unary('Route', { model: 'slow', request_id: 'd-1' }, new grpc.Metadata(), {
      deadline: Date.now() + 150,
    }).then(
      () => expect.fail('should fail'),
      (e) => e,
    );
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await waitFor(() => records.get('d-1')?.finallyRan === true);
    const r = records.get('d-1')!;
    expect(r.aborted).toBe(true);
    expect(r.abortReason).toBeInstanceOf(ConnectError);
    // The client cancels at its deadline, which can reach the server a moment before the
    // server's own (later-starting) deadline timer: either reason aborts the impl promptly.
    expect([Code.DeadlineExceeded, Code.Canceled]).toContain((r.abortReason as ConnectError).code);
  });

  it('does not log as a bug a failure that follows the deadline, even when the impl never read its signal', async () => {
    silentLogger.errors.length = 0;
    const err: grpc.ServiceError = await unary('Route', { model: 'slow-blind' }, new grpc.Metadata(), {
      deadline: Date.now() + 100,
    }).then(
      () => expect.fail('should fail'),
      (e) => e,
    );
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the impl fails after this
    expect(silentLogger.errors).toHaveLength(0);
  });

  it("answers DEADLINE_EXCEEDED on a stream and runs the impl's finally", async () => {
    const { error, messages } = await collect(client.Chat({ model: 'events:100:50', request_id: 'd-2' }, { deadline: Date.now() + 200 }));
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(messages.length).toBeLessThan(100);
    await waitFor(() => records.get('d-2')?.finallyRan === true);
    expect(records.get('d-2')?.aborted).toBe(true);
  });

  it('propagates a client cancel mid-stream to the impl (signal + finally)', async () => {
    const call = client.Chat({ model: 'events:100:20', request_id: 'c-1' });
    call.on('error', () => {});
    await new Promise<void>((resolve) => {
      let n = 0;
      call.on('data', () => {
        if (++n === 2) {
          call.cancel();
          resolve();
        }
      });
    });
    await waitFor(() => records.get('c-1')?.finallyRan === true);
    const r = records.get('c-1')!;
    expect(r.aborted).toBe(true);
    expect((r.abortReason as ConnectError).code).toBe(Code.Canceled);
    expect(r.yielded).toBeLessThan(100);
  });

  it('respects backpressure from a client that stops reading', async () => {
    // 400 events of 64 KiB (~26 MB): far more than HTTP/2 windows + stream buffers hold.
    // (Pause after the first message: a grpc-js client that never started reading buffers
    // without limit on its side, which would hide what the server does.)
    const call = client.Chat({ model: 'events:400:0:65536', request_id: 'bp-1' });
    const done = collect(call);
    call.once('data', () => call.pause());
    await new Promise((r) => setTimeout(r, 300));
    const yieldedWhilePaused = records.get('bp-1')?.yielded ?? 0;
    expect(yieldedWhilePaused).toBeGreaterThan(0);
    expect(yieldedWhilePaused).toBeLessThan(100);
    call.resume();
    const { messages, status } = await done;
    expect(status?.code).toBe(grpc.status.OK);
    expect(messages).toHaveLength(400);
    expect(records.get('bp-1')?.yielded).toBe(400);
  });
});
