// End to end over the gRPC port, the platform side: validation errors, the standard health
// and reflection services, unimplemented methods, deadlines and oversized messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { startTestServer, type TestServer } from '../helpers/app.js';
import {
  ACME_KEY,
  ADMIN_KEY,
  bearer,
  call,
  callError,
  CONFIG_YAML,
  details,
  grpcClients,
  LOADER_OPTIONS,
  ROOT,
  serverEnv,
  userMessage,
  violatedFields,
  type Any,
  type Clients,
} from './fixtures.js';

let server: TestServer;
let c: Clients;
let health: Any;
let reflection: Any;

beforeAll(async () => {
  server = await startTestServer({ yaml: CONFIG_YAML, env: serverEnv() });
  c = grpcClients(server.grpcAddress);
  const creds = grpc.credentials.createInsecure();
  const healthPkg: Any = grpc.loadPackageDefinition(
    protoLoader.loadSync(`${ROOT}node_modules/grpc-health-check/proto/health/v1/health.proto`, LOADER_OPTIONS),
  );
  health = new healthPkg.grpc.health.v1.Health(server.grpcAddress, creds);
  const reflectionPkg: Any = grpc.loadPackageDefinition(
    protoLoader.loadSync('grpc/reflection/v1/reflection.proto', {
      ...LOADER_OPTIONS,
      includeDirs: [`${ROOT}node_modules/@grpc/reflection/build/proto`],
    }),
  );
  reflection = new reflectionPkg.grpc.reflection.v1.ServerReflection(server.grpcAddress, creds);
});

afterAll(async () => {
  c?.close();
  health?.close();
  reflection?.close();
  await server?.stop();
});

const acme = () => bearer(ACME_KEY);
const routeError = (req: object) => callError(c.router, 'Route', req, acme());
const healthy = async () => (await call(health, 'Check', { service: '' })).status;

describe('bad input → INVALID_ARGUMENT naming the field', () => {
  const ok = { model: 'smart', messages: [userMessage('x')] };

  it.each([
    ['empty model', { ...ok, model: '' }, 'model'],
    ['negative max_output_tokens', { ...ok, max_output_tokens: '-1' }, 'max_output_tokens'],
    ['an unknown role', { ...ok, messages: [{ role: 99, content: 'x' }] }, 'messages[0].role'],
    ['an unknown strategy', { ...ok, strategy: 42 }, 'strategy'],
    ['an unspecified role', { ...ok, messages: [userMessage('a'), { role: 'ROLE_UNSPECIFIED', content: 'b' }] }, 'messages[1].role'],
    ['an unknown capability', { ...ok, requirements: { capabilities: [77] } }, 'requirements.capabilities[0]'],
    ['messages over the size limit', { ...ok, messages: [userMessage('x'.repeat(100 * 1024))] }, 'messages'],
  ])('%s', async (_name, req, field) => {
    const err = await routeError(req);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual([field]);
    expect(details(err).errorInfo).toMatchObject({ reason: 'INVALID_FIELD', metadata: { field } });
    expect(err.details).toContain(field);
  });

  it('reports every bad field at once', async () => {
    const err = await routeError({ model: '', max_output_tokens: '-5', messages: [{ role: 'ROLE_UNSPECIFIED', content: 'x' }] });
    expect(violatedFields(err).sort()).toEqual(['max_output_tokens', 'messages[0].role', 'model']);
  });

  it('survives a request far over the transport limit', async () => {
    // The transport allows 2 × max_message_bytes + 64 KiB (192 KiB here); send 2 MiB.
    const err = await routeError({ ...ok, messages: [userMessage('x'.repeat(2 * 1024 * 1024))] });
    expect(err.code).not.toBe(grpc.status.OK);
    const res = await call(c.router, 'Route', ok, acme());
    expect(res.candidates.length).toBeGreaterThan(0);
    expect(await healthy()).toBe('SERVING');
  });
});

describe('AdminService without SWITCHYARD_SECRET_KEY', () => {
  it('refuses to store a provider key (FAILED_PRECONDITION), and never echoes or logs it', async () => {
    const key = 'sk-ant-no-vault-e2e-0123456789';
    const err = await callError(
      c.admin,
      'CreateProvider',
      { provider: { id: 'anthropic-byok', kind: 'PROVIDER_KIND_ANTHROPIC', api_key: key } },
      bearer(ADMIN_KEY),
    );
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/SWITCHYARD_SECRET_KEY/);
    expect(details(err).errorInfo?.reason).toBe('SECRET_KEY_NOT_CONFIGURED');
    expect(JSON.stringify(err.metadata.getMap())).not.toContain(key);
    expect(err.details).not.toContain(key);
    expect(server.logs.join('\n')).not.toContain(key);
    const list = await call(c.admin, 'ListProviders', {}, bearer(ADMIN_KEY));
    expect(list.providers).toEqual([]);
  });
});

describe('unimplemented methods', () => {
  it('Chat (a server stream) rejects bad input with INVALID_ARGUMENT naming the field', async () => {
    const stream = c.router.Chat({ model: 'smart', messages: [] }, acme());
    const messages: unknown[] = [];
    const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
      stream.on('data', (m: unknown) => messages.push(m));
      stream.on('error', resolve);
      stream.on('end', () => reject(new Error('Chat ended without an error')));
    });
    expect(messages).toEqual([]);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/messages: must contain at least one message/);
    void userMessage;
  });

  it('AdminService GetPlatformPolicy answers (version 0: no platform policy stored yet)', async () => {
    const res = await call(c.admin, 'GetPlatformPolicy', {}, bearer(ADMIN_KEY));
    expect(res.policy).toMatchObject({ version: '0', allowed_providers: [] });
  });
});

describe('deadlines', () => {
  it('a deadline already past gives DEADLINE_EXCEEDED, and the server stays healthy', async () => {
    const err = await callError(c.router, 'Route', { model: 'smart', messages: [userMessage('x')] }, acme(), {
      deadline: Date.now() - 1000,
    });
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await healthy()).toBe('SERVING');
    const res = await call(c.router, 'Route', { model: 'smart', messages: [userMessage('x')] }, acme(), {
      deadline: Date.now() + 10_000,
    });
    expect(res.candidates.length).toBeGreaterThan(0);
  });
});

describe('grpc.health.v1.Health', () => {
  it('Check answers SERVING overall and per service', async () => {
    for (const service of ['', 'switchyard.v1.RouterService', 'switchyard.v1.AdminService']) {
      expect((await call(health, 'Check', { service })).status).toBe('SERVING');
    }
    const err = await callError(health, 'Check', { service: 'no.such.Service' });
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });

  it('Watch yields SERVING', async () => {
    const stream = health.Watch({ service: 'switchyard.v1.RouterService' });
    const first = await new Promise<Any>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    stream.on('error', () => undefined); // the CANCELLED that cancel() causes
    stream.cancel();
    expect(first.status).toBe('SERVING');
  });
});

describe('server reflection (v1)', () => {
  /** Sends one request on a fresh ServerReflectionInfo stream and returns the response. */
  function reflect(req: object): Promise<Any> {
    return new Promise((resolve, reject) => {
      const stream = reflection.ServerReflectionInfo();
      stream.once('data', (res: Any) => {
        resolve(res);
        stream.end();
      });
      stream.once('error', reject);
      stream.write(req);
    });
  }

  it('lists the services', async () => {
    const res = await reflect({ list_services: '' });
    const names = res.list_services_response.service.map((s: Any) => s.name);
    expect(names).toEqual(expect.arrayContaining(['switchyard.v1.RouterService', 'switchyard.v1.AdminService', 'grpc.health.v1.Health']));
  });

  it('returns decodable descriptors for a symbol', async () => {
    const res = await reflect({ file_containing_symbol: 'switchyard.v1.RouterService' });
    expect(res.message_response).toBe('file_descriptor_response');
    const files: FileDescriptorProto[] = res.file_descriptor_response.file_descriptor_proto.map((b: Buffer) =>
      fromBinary(FileDescriptorProtoSchema, b),
    );
    const router = files.find((f) => f.name === 'switchyard/v1/router.proto');
    expect(router?.package).toBe('switchyard.v1');
    expect(router?.dependency).toContain('switchyard/v1/common.proto');
    const svc = router?.service.find((s) => s.name === 'RouterService');
    const routeMethod = svc?.method.find((m) => m.name === 'Route');
    expect(routeMethod).toMatchObject({ inputType: '.switchyard.v1.RouteRequest', outputType: '.switchyard.v1.RouteResponse' });
    expect(svc?.method.map((m) => m.name)).toEqual(
      expect.arrayContaining(['Route', 'Chat', 'Embed', 'ModelMetadata', 'ListModels', 'GetDecision']),
    );
  });

  it('describes the health service too', async () => {
    const res = await reflect({ file_containing_symbol: 'grpc.health.v1.Health' });
    const files = res.file_descriptor_response.file_descriptor_proto.map((b: Buffer) => fromBinary(FileDescriptorProtoSchema, b));
    const svc = files.flatMap((f: FileDescriptorProto) => f.service).find((s: Any) => s.name === 'Health');
    expect(svc?.method.map((m: Any) => m.name)).toEqual(expect.arrayContaining(['Check', 'Watch']));
  });

  it('answers NOT_FOUND for an unknown symbol', async () => {
    const res = await reflect({ file_containing_symbol: 'no.such.Symbol' });
    expect(res.message_response).toBe('error_response');
    expect(res.error_response.error_code).toBe(grpc.status.NOT_FOUND);
  });
});
