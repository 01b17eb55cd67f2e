// One generic bridge from a Connect `ServiceImpl` to @grpc/grpc-js handlers, driven by the
// protobuf-es service descriptor. The service is written once (as a Connect impl, which also
// serves the HTTP port); this file only carries calls faithfully between grpc-js and the impl.
//
// Hot path notes: everything that depends only on the method (path, schemas, bound impl
// function, handler) is computed once in `bridgeService`. Per call we create the Connect
// HandlerContext (the impl's contract), convert request metadata once, and attach the context
// to the grpc-js call object so that a single shared 'cancelled' listener can reach it without
// allocating a closure per call.
import * as grpc from "@grpc/grpc-js";
import {
  create,
  fromBinary,
  isMessage,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
} from "@bufbuild/protobuf";
import { anyPack, AnySchema } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createHandlerContext,
  type ContextValues,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";

/** The logging hook of the transport layer. Errors passed here may hold internals; they are
 * logged, never sent to a client. */
export interface TransportLogger {
  error(message: string, fields: Record<string, unknown>): void;
}

const consoleLogger: TransportLogger = {
  error(message, fields) {
    console.error(message, fields);
  },
};

/** What every grpc-js server call has (grpc-js does not export its ServerSurfaceCall type). */
export type GrpcServerCall = Omit<grpc.ServerUnaryCall<unknown, unknown>, "request">;

export interface BridgeOptions {
  logger?: TransportLogger;
  /** Per-call context values for the impl (e.g. the peer address), like connect-node's option. */
  contextValues?: (call: GrpcServerCall) => ContextValues;
}

export interface BridgedService {
  definition: grpc.ServiceDefinition<grpc.UntypedServiceImplementation>;
  implementation: grpc.UntypedServiceImplementation;
}

/** A service plus its (possibly partial) implementation, type-erased so several services can
 * share one array. Build it with `serviceRegistration` to keep the impl type-checked. */
export interface ServiceRegistration {
  service: DescService;
  impl: object;
}

export function serviceRegistration<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
): ServiceRegistration {
  return { service, impl };
}

/** The reason a context's signal carries once its RPC has finished normally. Shared because
 * Connect semantics abort the signal on completion too, and allocating an error per call for
 * that would be waste. */
const RPC_COMPLETED = new ConnectError("the RPC completed", Code.Canceled);

/** Response headers gRPC itself owns; an impl cannot set them through headers or trailers. */
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "te",
  "trailer",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "grpc-encoding",
  "grpc-accept-encoding",
  "grpc-timeout",
]);

interface MethodBridge {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly path: string;
  readonly fn: ((req: unknown, ctx: HandlerContext) => unknown) | undefined;
  readonly logger: TransportLogger;
  readonly contextValues: BridgeOptions["contextValues"];
}

type HandlerContextController = ReturnType<typeof createHandlerContext>;
const kCtx = Symbol("switchyard.handlerContext");
type TrackedCall = GrpcServerCall & { [kCtx]?: HandlerContextController };

export function bridgeService<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
  options: BridgeOptions = {},
): BridgedService {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  const logger = options.logger ?? consoleLogger;
  for (const method of service.methods) {
    // Connect keys implementations by the method's localName ("listModels"); so do we.
    const candidate = (impl as Record<string, unknown>)[method.localName];
    const mb: MethodBridge = {
      service,
      method,
      path: `/${service.typeName}/${method.name}`,
      fn: typeof candidate === "function" ? candidate.bind(impl) : undefined,
      logger,
      contextValues: options.contextValues,
    };
    definition[method.name] = {
      path: mb.path,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: serializer(method.input, mb),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output, mb),
      responseDeserialize: deserializer(method.output),
      originalName: method.localName,
    };
    implementation[method.name] = makeHandler(mb);
  }
  return { definition, implementation };
}

function serializer(schema: DescMessage, mb: MethodBridge): (value: unknown) => Buffer {
  return (value) => {
    try {
      // Impls return init shapes ({...} objects) as Connect allows; `create` is a no-op for
      // values that already are messages of this type.
      const msg = isMessage(value, schema) ? value : create(schema, value as never);
      const bytes = toBinary(schema, msg);
      // grpc-js needs a Buffer (it calls .copy); wrap without copying.
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      // grpc-js answers INTERNAL "Error serializing response" itself; log the cause here.
      mb.logger.error("cannot serialise message", { rpc: mb.path, error: err });
      throw err;
    }
  };
}

function deserializer(schema: DescMessage): (bytes: Buffer) => unknown {
  // A parse failure throws; grpc-js turns it into INTERNAL, as Connect does for binary.
  return (bytes) => fromBinary(schema, bytes);
}

function makeHandler(mb: MethodBridge): grpc.UntypedHandleCall {
  const kind = mb.method.methodKind;
  if (mb.fn !== undefined && kind === "unary") {
    return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      void runUnary(mb, call, callback);
    };
  }
  if (mb.fn !== undefined && kind === "server_streaming") {
    return (call: grpc.ServerWritableStream<unknown, unknown>) => {
      void runServerStream(mb, call);
    };
  }
  // Missing methods, and client/bidi streaming (not bridged: the contract has none).
  const status = {
    code: grpc.status.UNIMPLEMENTED,
    details: `${mb.service.typeName}.${mb.method.name} is not implemented`,
  };
  if (kind === "unary" || kind === "client_streaming") {
    return (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(status);
  }
  return (call: grpc.ServerWritableStream<unknown, unknown>) => {
    call.emit("error", status);
  };
}

async function runUnary(
  mb: MethodBridge,
  call: grpc.ServerUnaryCall<unknown, unknown> & TrackedCall,
  callback: grpc.sendUnaryData<unknown>,
): Promise<void> {
  const ctx = createContext(mb, call);
  if (ctx === undefined) {
    callback(toGrpcStatus(new ConnectError("invalid request metadata", Code.InvalidArgument)));
    return;
  }
  try {
    const response = await mb.fn!(call.request, ctx);
    const header = headersToMetadata(ctx.responseHeader, undefined);
    if (header !== undefined) call.sendMetadata(header);
    callback(null, response, headersToMetadata(ctx.responseTrailer, undefined));
  } catch (err) {
    const header = headersToMetadata(ctx.responseHeader, undefined);
    if (header !== undefined) call.sendMetadata(header);
    callback(toGrpcStatus(publicError(err, ctx.signal, mb.path, mb.logger), ctx.responseTrailer));
  } finally {
    ctx.abort(RPC_COMPLETED);
  }
}

async function runServerStream(
  mb: MethodBridge,
  call: grpc.ServerWritableStream<unknown, unknown> & TrackedCall,
): Promise<void> {
  const ctx = createContext(mb, call);
  if (ctx === undefined) {
    call.emit("error", toGrpcStatus(new ConnectError("invalid request metadata", Code.InvalidArgument)));
    return;
  }
  let headerSent = false;
  try {
    const messages = mb.fn!(call.request, ctx) as AsyncIterable<unknown>;
    // Leaving this loop early (break, or a throw in its body) calls the iterator's return(),
    // which runs the impl's finally blocks. That is how a client cancel reaches the impl when
    // it is parked at a `yield`; when it is parked in an await, the aborted signal reaches it.
    for await (const message of messages) {
      if (call.cancelled) break;
      if (!headerSent) {
        // Connect's rule: stream response headers are fixed at the first message.
        headerSent = true;
        const header = headersToMetadata(ctx.responseHeader, undefined);
        if (header !== undefined) call.sendMetadata(header);
      }
      // Backpressure: write() is false once grpc-js buffers past its high-water mark (HTTP/2
      // flow control from a slow client), so stop pulling from the impl until it drains.
      if (!call.write(message)) { if (process.env.DBG) console.log("drain wait", (call as any).writableLength);
        await drainOrCancel(call);
        if (call.cancelled) break;
      }
    }
    if (!call.cancelled) {
      if (!headerSent) {
        const header = headersToMetadata(ctx.responseHeader, undefined);
        if (header !== undefined) call.sendMetadata(header);
      }
      call.end(headersToMetadata(ctx.responseTrailer, undefined));
    }
  } catch (err) {
    const status = toGrpcStatus(publicError(err, ctx.signal, mb.path, mb.logger), ctx.responseTrailer);
    if (!call.cancelled) {
      if (!headerSent) {
        const header = headersToMetadata(ctx.responseHeader, undefined);
        if (header !== undefined) call.sendMetadata(header);
      }
      // ServerWritableStreamImpl turns an 'error' event into the final status + trailers.
      call.emit("error", status);
    }
  } finally {
    ctx.abort(RPC_COMPLETED);
  }
}

function drainOrCancel(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  if (call.cancelled) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      call.off("cancelled", done);
      call.off("close", done);
      resolve();
    };
    // A cancelled call never drains (grpc-js drops writes), hence 'cancelled' and 'close'.
    call.on("drain", done);
    call.on("cancelled", done);
    call.on("close", done);
  });
}

function createContext(mb: MethodBridge, call: TrackedCall): HandlerContextController | undefined {
  const deadline = deadlineMs(call);
  let ctx: HandlerContextController;
  try {
    ctx = createHandlerContext({
      service: mb.service,
      method: mb.method,
      protocolName: "grpc",
      requestMethod: "POST",
      url: "http://" + call.getHost() + mb.path,
      timeoutMs: deadline === Infinity ? undefined : deadline - Date.now(),
      requestHeader: metadataToHeaderInit(call.metadata),
      contextValues: mb.contextValues?.(call),
    });
  } catch {
    // Headers rejects values grpc-js accepted (e.g. control characters).
    return undefined;
  }
  call[kCtx] = ctx;
  // grpc-js emits 'cancelled' on client cancel, on deadline, on server shutdown, and also
  // after every normal completion; the last is a no-op because ctx is aborted by then.
  call.on("cancelled", onCallCancelled);
  return ctx;
}

function onCallCancelled(this: TrackedCall): void {
  const ctx = this[kCtx];
  if (ctx === undefined || ctx.signal.aborted) return;
  ctx.abort(
    deadlinePassed(this)
      ? new ConnectError("the operation timed out", Code.DeadlineExceeded)
      : new ConnectError("the client cancelled the call", Code.Canceled),
  );
}

function deadlineMs(call: GrpcServerCall): number {
  const d = call.getDeadline();
  return typeof d === "number" ? d : d.getTime();
}

function deadlinePassed(call: GrpcServerCall): boolean {
  // A few ms of slack: grpc-js's own deadline timer and Date.now() may disagree by a tick.
  return Date.now() + 5 >= deadlineMs(call);
}

/** grpc-js metadata → a HeadersInit; binary (-bin) values become base64 text, as they are on
 * the wire and as connect-node presents them. */
function metadataToHeaderInit(md: grpc.Metadata): [string, string][] {
  const h2 = md.toHttp2Headers();
  const pairs: [string, string][] = [];
  for (const key in h2) {
    const value = h2[key];
    if (typeof value === "string") pairs.push([key, value]);
    else if (Array.isArray(value)) for (const v of value) pairs.push([key, v]);
  }
  return pairs;
}

/** Headers → grpc-js metadata (undefined when there is nothing to send). */
function headersToMetadata(headers: Headers, into: grpc.Metadata | undefined): grpc.Metadata | undefined {
  let md = into;
  headers.forEach((value, key) => {
    if (RESERVED_HEADERS.has(key)) return;
    md ??= new grpc.Metadata();
    try {
      if (key.endsWith("-bin")) {
        // Headers joins repeated values with ", "; each is base64.
        for (const part of value.split(",")) md.add(key, Buffer.from(part.trim(), "base64"));
      } else {
        md.add(key, value);
      }
    } catch {
      // grpc-js refuses keys/values HTTP headers allow (e.g. non-ASCII); drop those.
    }
  });
  return md;
}

/**
 * The one rule for what a client may learn from a failure, shared by both ports:
 * - a ConnectError passes through (the impl chose its code, message and details);
 * - once the call's signal was aborted (deadline, cancel, shutdown), its reason wins: a
 *   downstream failure caused by the abort is not an internal error;
 * - AbortError/TimeoutError become CANCELED (what ConnectError.from does with them);
 * - anything else is a bug: INTERNAL with a generic message; the cause goes to the logger.
 */
export function publicError(
  err: unknown,
  signal: AbortSignal,
  rpc: string,
  logger: TransportLogger,
): ConnectError {
  if (err instanceof ConnectError) return err;
  if (signal.aborted && signal.reason instanceof ConnectError && signal.reason !== RPC_COMPLETED) {
    return signal.reason;
  }
  if (err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError")) {
    return ConnectError.from(err);
  }
  logger.error("unhandled error in RPC handler", { rpc, error: err });
  return new ConnectError("internal error", Code.Internal);
}

/** ConnectError → grpc-js status: same numeric code (Connect's Code values are gRPC's), the
 * raw message, and trailers holding the impl's trailers, the error's metadata and a
 * `grpc-status-details-bin` google.rpc.Status when the error has details. */
export function toGrpcStatus(err: ConnectError, trailer?: Headers): grpc.StatusObject {
  let md = trailer === undefined ? undefined : headersToMetadata(trailer, undefined);
  md = headersToMetadata(err.metadata, md) ?? new grpc.Metadata();
  if (err.details.length > 0) {
    const status = create(StatusSchema, {
      code: err.code,
      message: err.rawMessage,
      details: err.details.map((d) =>
        "desc" in d
          ? anyPack(d.desc, create(d.desc, d.value))
          : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value }),
      ),
    });
    const bytes = toBinary(StatusSchema, status);
    md.set("grpc-status-details-bin", Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return { code: err.code as number as grpc.status, details: err.rawMessage, metadata: md };
}
