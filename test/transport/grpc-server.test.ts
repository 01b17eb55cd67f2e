// Standard services of the gRPC port: health (Check/Watch), server reflection (v1, v1alpha),
// and a close() that does not hang on open streams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/server/grpc-server.js';
import { serviceRegistration } from '../../src/server/grpc-bridge.js';
import { PROTO_DIR, records, silentLogger, testRouterImpl, waitFor } from './test-service.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const reflectionProtoDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '../proto');

function load(file: string, includeDirs: string[]): Any {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { ...loaderOptions, includeDirs }));
}

let server: RunningGrpcServer;
let health: Any;

beforeAll(async () => {
  server = await startGrpcServer({
    address: '127.0.0.1:0',
    services: [serviceRegistration(RouterService, testRouterImpl)],
    maxReceiveMessageBytes: 1024 * 1024,
    logger: silentLogger,
  });
  const pkg = load(healthProtoPath, []);
  health = new pkg.grpc.health.v1.Health(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  health?.close();
  await server?.close(100);
});

function check(service: string): Promise<Any> {
  return new Promise((resolve, reject) => health.Check({ service }, (err: Error | null, res: Any) => (err ? reject(err) : resolve(res))));
}

/** Sends one reflection request on a fresh stream and returns the first response. */
function reflect(version: 'v1' | 'v1alpha', request: object): Promise<Any> {
  const pkg = load(`grpc/reflection/${version}/reflection.proto`, [reflectionProtoDir]);
  const client = new pkg.grpc.reflection[version].ServerReflection(server.address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (res: Any) => {
      resolve(res);
      call.end();
      client.close();
    });
    call.on('error', reject);
    call.write(request);
  });
}

describe('grpc.health.v1.Health', () => {
  it('reports SERVING overall and per registered service, NOT_FOUND for others', async () => {
    expect((await check('')).status).toBe('SERVING');
    expect((await check('switchyard.v1.RouterService')).status).toBe('SERVING');
    await expect(check('switchyard.v1.AdminService')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('streams status changes to Watch', async () => {
    const call = health.Watch({ service: 'switchyard.v1.RouterService' });
    const seen: string[] = [];
    call.on('data', (m: Any) => seen.push(m.status));
    call.on('error', () => {});
    await waitFor(() => seen.length === 1);
    server.health.setAll('NOT_SERVING');
    await waitFor(() => seen.length === 2);
    server.health.setAll('SERVING');
    await waitFor(() => seen.length === 3);
    call.cancel();
    expect(seen).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
    expect((await check('')).status).toBe('SERVING');
  });
});

describe('server reflection', () => {
  it('lists the registered services (v1 and v1alpha)', async () => {
    for (const version of ['v1', 'v1alpha'] as const) {
      const res = await reflect(version, { list_services: '*' });
      const names = res.list_services_response.service.map((s: Any) => s.name);
      expect(names).toContain('switchyard.v1.RouterService');
      expect(names).toContain('grpc.health.v1.Health');
      expect(names).not.toContain('switchyard.v1.AdminService'); // not registered here
    }
  });

  it('returns descriptors for a symbol that build a working registry', async () => {
    const res = await reflect('v1', { file_containing_symbol: 'switchyard.v1.RouterService' });
    const protos = (res.file_descriptor_response.file_descriptor_proto as Buffer[]).map((b) => fromBinary(FileDescriptorProtoSchema, b));
    const names = protos.map((p) => p.name);
    expect(names[0]).toBe('switchyard/v1/router.proto');
    expect(names).toContain('switchyard/v1/common.proto');
    expect(names).toContain('google/protobuf/timestamp.proto');
    // Resolve imports by name from what reflection returned: nothing else is available.
    const byName = new Map(protos.map((p) => [p.name, p]));
    const registry = createFileRegistry(protos[0]!, (name) => byName.get(name));
    const svc = registry.getService('switchyard.v1.RouterService');
    expect(svc?.methods.map((m) => m.name)).toContain('Chat');
    expect(svc?.method.chat?.methodKind).toBe('server_streaming');
    // proto3 `optional` survives the trip (clients need it to tell presence from oneofs).
    const opts = registry.getMessage('switchyard.v1.ChatOptions');
    expect(opts?.field.temperature?.proto.proto3Optional).toBe(true);
  });

  it('describes the health service too', async () => {
    const res = await reflect('v1', { file_containing_symbol: 'grpc.health.v1.Health' });
    const protos = (res.file_descriptor_response.file_descriptor_proto as Buffer[]).map((b) => fromBinary(FileDescriptorProtoSchema, b));
    expect(protos.flatMap((p) => p.service.map((s) => s.name))).toContain('Health');
  });
});

describe('close()', () => {
  it('lets an in-flight stream finish within the grace period', async () => {
    const s = await startGrpcServer({
      address: '127.0.0.1:0',
      services: [serviceRegistration(RouterService, testRouterImpl)],
      maxReceiveMessageBytes: 1024 * 1024,
    });
    const pkg = load('switchyard/v1/router.proto', [PROTO_DIR]);
    const client = new pkg.switchyard.v1.RouterService(s.address, grpc.credentials.createInsecure());
    const call = client.Chat({ model: 'events:6:40' });
    let n = 0;
    call.on('data', () => n++);
    const status = new Promise<Any>((resolve) => call.on('status', resolve));
    call.on('error', () => {});
    await new Promise((r) => call.once('data', r));
    const t0 = Date.now();
    await s.close(5000);
    expect(Date.now() - t0).toBeLessThan(1000); // ended when the stream did, not at grace
    expect((await status).code).toBe(grpc.status.OK);
    expect(n).toBe(6);
    client.close();
  });

  it('does not hang on an open stream; sets NOT_SERVING; the impl sees the abort', async () => {
    const s = await startGrpcServer({
      address: '127.0.0.1:0',
      services: [serviceRegistration(RouterService, testRouterImpl)],
      maxReceiveMessageBytes: 1024 * 1024,
    });
    const pkg = load('switchyard/v1/router.proto', [PROTO_DIR]);
    const client = new pkg.switchyard.v1.RouterService(s.address, grpc.credentials.createInsecure());
    const call = client.Chat({ model: 'events:1000:20', request_id: 'close-1' });
    call.on('error', () => {});
    await new Promise((r) => call.once('data', r));
    const t0 = Date.now();
    await s.close(200);
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor(() => records.get('close-1')?.finallyRan === true);
    expect(records.get('close-1')?.aborted).toBe(true);
    client.close();
  });
});
