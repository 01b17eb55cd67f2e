// End to end over the HTTP port with the Connect client (generated types): the Connect
// protocol over HTTP/1.1 and cleartext HTTP/2, binary and JSON, plus gRPC-Web and gRPC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import { Capability, ModelKind, Role, Strategy } from '../../gen/switchyard/v1/common_pb.js';
import { ExclusionReason, RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { ACME_KEY, ADMIN_KEY, CONFIG_YAML, serverEnv } from './fixtures.js';

let server: TestServer;
const sessions: Http2SessionManager[] = [];

beforeAll(async () => {
  server = await startTestServer({ yaml: CONFIG_YAML, env: serverEnv() });
});

afterAll(async () => {
  for (const s of sessions) s.abort();
  await server?.stop();
});

const withKey =
  (key: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set('authorization', `Bearer ${key}`);
    return next(req);
  };

type Variant = { name: string; make: (baseUrl: string, interceptors: Interceptor[]) => Transport };

function h2(baseUrl: string): Http2SessionManager {
  const s = new Http2SessionManager(baseUrl);
  sessions.push(s);
  return s;
}

const VARIANTS: Variant[] = [
  {
    name: 'Connect JSON, HTTP/1.1',
    make: (baseUrl, interceptors) => createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors }),
  },
  {
    name: 'Connect binary, HTTP/1.1',
    make: (baseUrl, interceptors) => createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true, interceptors }),
  },
  {
    name: 'Connect JSON, HTTP/2',
    make: (baseUrl, interceptors) => createConnectTransport({ baseUrl, httpVersion: '2', sessionManager: h2(baseUrl), interceptors }),
  },
  {
    name: 'Connect binary, HTTP/2',
    make: (baseUrl, interceptors) =>
      createConnectTransport({ baseUrl, httpVersion: '2', useBinaryFormat: true, sessionManager: h2(baseUrl), interceptors }),
  },
  {
    name: 'gRPC-Web binary, HTTP/1.1',
    make: (baseUrl, interceptors) => createGrpcWebTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true, interceptors }),
  },
  {
    name: 'gRPC-Web JSON, HTTP/2',
    make: (baseUrl, interceptors) =>
      createGrpcWebTransport({ baseUrl, httpVersion: '2', useBinaryFormat: false, sessionManager: h2(baseUrl), interceptors }),
  },
  {
    name: 'gRPC, HTTP/2 (the HTTP port)',
    make: (baseUrl, interceptors) => createGrpcTransport({ baseUrl, sessionManager: h2(baseUrl), interceptors }),
  },
];

async function expectConnectError(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    return err as ConnectError;
  }
  throw new Error('the call unexpectedly succeeded');
}

describe.each(VARIANTS)('$name', ({ make }) => {
  let router: Client<typeof RouterService>;
  let anonymous: Client<typeof RouterService>;

  beforeAll(() => {
    router = createClient(RouterService, make(server.httpUrl, [withKey(ACME_KEY)]));
    anonymous = createClient(RouterService, make(server.httpUrl, []));
  });

  it('Route plans an alias', async () => {
    const res = await router.route({
      model: 'smart',
      messages: [{ role: Role.USER, content: 'Hello' }],
      maxOutputTokens: 100n,
    });
    expect(res.decisionId).not.toBe('');
    expect(res.strategy).toBe(Strategy.PRIORITY);
    expect(res.candidates.map((c) => c.model)).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
    expect(res.candidates[0]?.estimate?.maxOutputTokens).toBe(100n);
    expect(typeof res.estimate?.maxCost).toBe('bigint');
    expect(res.excluded.map((e) => e.reason)).toEqual([ExclusionReason.NO_CREDENTIALS]);
  });

  it('ListModels pages with filters', async () => {
    const first = await router.listModels({ provider: 'openai', pageSize: 5, capabilities: [Capability.VISION] });
    expect(first.models).toHaveLength(5);
    expect(first.nextPageToken).not.toBe('');
    for (const m of first.models) expect(m.capabilities).toContain(Capability.VISION);
    const second = await router.listModels({
      provider: 'openai',
      pageSize: 5,
      capabilities: [Capability.VISION],
      pageToken: first.nextPageToken,
    });
    expect(second.totalSize).toBe(first.totalSize);
    expect(second.models[0]!.id > first.models[4]!.id).toBe(true);
  });

  it('ModelMetadata describes a model', async () => {
    const { model } = await router.modelMetadata({ model: 'openai/gpt-4o' });
    expect(model).toMatchObject({ id: 'openai/gpt-4o', kind: ModelKind.CHAT, contextWindow: 128_000n });
    expect(model?.pricing?.input).toBeGreaterThan(0n);
    expect(model?.parameters.top_k?.availability.case).toBe('unsupported');
    expect(model?.parameters.temperature?.availability.case).toBe('mutable');
  });

  it('errors carry typed details', async () => {
    const notFound = await expectConnectError(router.modelMetadata({ model: 'nope/none' }));
    expect(notFound.code).toBe(Code.NotFound);
    expect(notFound.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: 'MODEL_NOT_FOUND', domain: 'switchyard.dev' });

    const bad = await expectConnectError(router.route({ model: '', maxOutputTokens: -1n }));
    expect(bad.code).toBe(Code.InvalidArgument);
    const fields = bad.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
    expect(fields?.sort()).toEqual(['max_output_tokens', 'model']);

    const unknownEnum = await expectConnectError(router.route({ model: 'smart', strategy: 42 as Strategy }));
    expect(unknownEnum.code).toBe(Code.InvalidArgument);
    expect(unknownEnum.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe('strategy');

    const unauth = await expectConnectError(anonymous.route({ model: 'smart' }));
    expect(unauth.code).toBe(Code.Unauthenticated);
    expect(unauth.findDetails(ErrorInfoSchema)[0]?.reason).toBe('MISSING_API_KEY');

    const badId = await expectConnectError(router.getDecision({ decisionId: 'x' }));
    expect(badId.code).toBe(Code.InvalidArgument);
    expect(badId.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe('decision_id');
  });
});

describe('AdminService over Connect', () => {
  it('needs an admin key', async () => {
    const transport = createConnectTransport({ baseUrl: server.httpUrl, httpVersion: '1.1', interceptors: [withKey(ACME_KEY)] });
    const denied = await expectConnectError(createClient(AdminService, transport).listTenants({}));
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.findDetails(ErrorInfoSchema)[0]?.reason).toBe('ADMIN_REQUIRED');

    const adminTransport = createConnectTransport({ baseUrl: server.httpUrl, httpVersion: '1.1', interceptors: [withKey(ADMIN_KEY)] });
    const res = await createClient(AdminService, adminTransport).listTenants({});
    expect(res.tenants.find((t) => t.id === 'acme')).toMatchObject({ name: 'Acme Corp', disabled: false });
  });

  it('streams Chat validation errors over server streaming', async () => {
    const router = createClient(
      RouterService,
      createConnectTransport({
        baseUrl: server.httpUrl,
        httpVersion: '2',
        sessionManager: h2(server.httpUrl),
        interceptors: [withKey(ACME_KEY)],
      }),
    );
    const err = await expectConnectError(
      (async () => {
        for await (const _ of router.chat({ model: 'smart', messages: [] })) {
          throw new Error('Chat yielded a message');
        }
      })(),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe('messages');
    void Role;
  });
});
