// Shared pieces of the end-to-end suites: one config, one environment, and a grpc-js client
// that loads the .proto files independently (proto-loader), never the generated code.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { anyIs, anyUnpack } from '@bufbuild/protobuf/wkt';
import { BadRequestSchema, ErrorInfoSchema, type BadRequest, type ErrorInfo } from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PROTO_DIR = `${ROOT}proto`;

export const ACME_KEY = 'sy_acme_e2e_tenant_key_0123456789';
export const ADMIN_KEY = 'sy_admin_e2e_bootstrap_key_0123456789';
export const OPENAI_KEY = 'sk-e2e-openai-never-leaks-0123456789';
/** 32 bytes as 64 hex digits (AES-256-GCM key for stored provider keys). */
export const SECRET_KEY = 'a1'.repeat(32);

/** A 64 KiB message limit, so an oversized conversation is cheap to build. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const CONFIG_YAML = `
server:
  max_message_bytes: ${MAX_MESSAGE_BYTES}
providers:
  - id: openai
    kind: openai
    api_key_env: OPENAI_KEY
  - id: anthropic
    kind: anthropic
    api_key_env: ANTHROPIC_KEY
  - id: local-llm
    kind: ollama
    base_url: http://127.0.0.1:9
models:
  - id: local-llm/llama3-8b
    provider: local-llm
    upstream_model: llama3:8b
    display_name: Llama 3 8B (local)
    context_window: 8192
    max_output_tokens: 2048
    pricing: { input: 0, output: 0 }
    local: true
aliases:
  smart:
    strategy: priority
    targets: [openai/gpt-4o, anthropic/claude-sonnet-4-5, openai/gpt-4o-mini]
    description: best first
  thrifty:
    strategy: cheapest
    targets: [openai/gpt-4o, openai/gpt-4o-mini, local-llm/llama3-8b]
tenants:
  - id: acme
    name: Acme Corp
    keys:
      - { name: ci, key_env: ACME_KEY }
`;

/** The server's whole environment: ANTHROPIC_KEY is deliberately absent. */
export function serverEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { OPENAI_KEY, ACME_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, ...extra };
}

export const LOADER_OPTIONS: protoLoader.Options = {
  includeDirs: [PROTO_DIR],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;

export interface Clients {
  router: grpc.Client & Any;
  admin: grpc.Client & Any;
  close(): void;
}

let cachedPkg: Any;
function switchyardPackage(): Any {
  cachedPkg ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(['switchyard/v1/router.proto', 'switchyard/v1/admin.proto'], LOADER_OPTIONS),
  );
  return cachedPkg;
}

export function grpcClients(address: string): Clients {
  const v1 = switchyardPackage().switchyard.v1;
  const creds = grpc.credentials.createInsecure();
  // A large client-side limit so that the server, not the client, decides about big messages.
  const opts = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
  const router = new v1.RouterService(address, creds, opts);
  const admin = new v1.AdminService(address, creds, opts);
  return {
    router,
    admin,
    close() {
      router.close();
      admin.close();
    },
  };
}

export function bearer(key: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (key !== undefined) md.set('authorization', `Bearer ${key}`);
  return md;
}

/** Calls a unary method; resolves with the response or rejects with the ServiceError. */
export function call<T = Any>(
  client: Any,
  method: string,
  req: object,
  md: grpc.Metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](req, md, options, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}

/** Calls a unary method that must fail; resolves with the ServiceError. */
export async function callError(
  client: Any,
  method: string,
  req: object,
  md?: grpc.Metadata,
  options?: grpc.CallOptions,
): Promise<grpc.ServiceError> {
  try {
    const res = await call(client, method, req, md, options);
    throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(res).slice(0, 300)}`);
  } catch (err) {
    if (typeof (err as grpc.ServiceError).code !== 'number') throw err;
    return err as grpc.ServiceError;
  }
}

export interface Details {
  errorInfo?: ErrorInfo;
  badRequest?: BadRequest;
}

/** Decodes the google.rpc.Status in `grpc-status-details-bin`. */
export function details(err: grpc.ServiceError): Details {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw) return {};
  const status = fromBinary(StatusSchema, raw as Buffer);
  expectCode(status.code, err.code);
  const out: Details = {};
  for (const any of status.details) {
    if (anyIs(any, ErrorInfoSchema)) out.errorInfo = anyUnpack(any, ErrorInfoSchema);
    if (anyIs(any, BadRequestSchema)) out.badRequest = anyUnpack(any, BadRequestSchema);
  }
  return out;
}

function expectCode(inStatus: number, onWire: number): void {
  if (inStatus !== onWire) throw new Error(`status details code ${inStatus} differs from grpc-status ${onWire}`);
}

export function violatedFields(err: grpc.ServiceError): string[] {
  return details(err).badRequest?.fieldViolations.map((v) => v.field) ?? [];
}

export const userMessage = (content: string) => ({ role: 'ROLE_USER', content });
