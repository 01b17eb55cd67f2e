// One generic bridge from a Connect `ServiceImpl` to @grpc/grpc-js handlers, driven by the
// protobuf-es service descriptor. The service is written once (as a Connect impl, which also
// serves the HTTP port); this file only carries calls faithfully between grpc-js and the impl.
//
// Hot path: everything that depends only on the method (path, schemas, bound impl, handler)
// is built once in `bridgeService`. Per call we allocate one small context object whose
// parts are created on first use (see GrpcHandlerContext for why and what it costs).
import * as grpc from '@grpc/grpc-js';
import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, DescMethod, DescService } from '@bufbuild/protobuf';
import { anyPack, AnySchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createContextValues } from '@connectrpc/connect';
import type { ContextValues, HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { binaryDecoder } from './binary-decoder.js';
import { binaryEncoder } from './binary-encoder.js';
import { malformedRequest } from './malformed.js';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';

/** The logging hook of the transport layer. Errors passed here may hold internals; they are
 * logged, never sent to a client. */
export interface TransportLogger {
  error(message: string, fields: Record<string, unknown>): void;
}

export const consoleLogger: TransportLogger = {
  error: (message, fields) => console.error(message, fields),
};

/** What every grpc-js server call has (grpc-js does not export its ServerSurfaceCall type). */
export type GrpcServerCall = Omit<grpc.ServerUnaryCall<unknown, unknown>, 'request'>;

export interface BridgeOptions {
  logger?: TransportLogger;
  /** Per-call context values for the impl (e.g. the peer address), like connect-node's option. */
  contextValues?: (call: GrpcServerCall) => ContextValues;
  /** Where running calls are tracked, so that a shutdown can end them (shared by services). */
  calls?: InFlightCalls;
}

/**
 * The bridged calls still running. grpc-js's forceShutdown cancels calls (the client sees a
 * bare CANCELLED or a reset); a server shutting down aborts them first with its own reason, so
 * that each ends with that status before connections are cut.
 */
export class InFlightCalls {
  private readonly calls = new Set<GrpcHandlerContext>();

  get size(): number {
    return this.calls.size;
  }
  add(ctx: GrpcHandlerContext): void {
    this.calls.add(ctx);
  }
  delete(ctx: GrpcHandlerContext): void {
    this.calls.delete(ctx);
  }
  /** Aborts every running call's signal with `reason`: its impl stops and it ends with it. */
  abortAll(reason: unknown): void {
    for (const ctx of this.calls) ctx.abort(reason);
  }
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

export function serviceRegistration<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration {
  return { service, impl };
}

/** Shared abort reason for a normally finished RPC (Connect aborts the signal then too). */
const RPC_COMPLETED = new ConnectError('the RPC completed', Code.Canceled);

/** Metadata gRPC itself owns; an impl cannot set these through headers or trailers. */
const RESERVED = new Set([
  'content-type',
  'content-length',
  'te',
  'trailer',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'host',
  'grpc-status',
  'grpc-message',
  'grpc-status-details-bin',
  'grpc-encoding',
  'grpc-accept-encoding',
  'grpc-timeout',
]);

interface MethodBridge {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly path: string;
  readonly fn: ((req: unknown, ctx: HandlerContext) => unknown) | undefined;
  readonly logger: TransportLogger;
  readonly contextValues: BridgeOptions['contextValues'];
  readonly calls: InFlightCalls | undefined;
}

export function bridgeService<S extends DescService>(
  service: S,
  impl: Partial<ServiceImpl<S>>,
  options: BridgeOptions = {},
): BridgedService {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    // Connect keys implementations by the method's localName ("listModels"); so do we.
    const fn = (impl as Record<string, unknown>)[method.localName];
    const mb: MethodBridge = {
      service,
      method,
      path: `/${service.typeName}/${method.name}`,
      fn: typeof fn === 'function' ? fn.bind(impl) : undefined,
      logger: options.logger ?? consoleLogger,
      contextValues: options.contextValues,
      calls: options.calls,
    };
    const kind = method.methodKind;
    definition[method.name] = {
      path: mb.path,
      requestStream: kind === 'client_streaming' || kind === 'bidi_streaming',
      responseStream: kind === 'server_streaming' || kind === 'bidi_streaming',
      requestSerialize: serializer(method.input, mb),
      requestDeserialize: requestDeserializer(method.input),
      responseSerialize: serializer(method.output, mb),
      responseDeserialize: deserializer(method.output),
      originalName: method.localName,
    };
    implementation[method.name] = makeHandler(mb);
  }
  return { definition, implementation };
}

function serializer(schema: DescMessage, mb: MethodBridge): (value: unknown) => Buffer {
  // Compiled per schema (binary-encoder.ts): the same bytes as toBinary without unknown fields
  // (responses are built in this process: there are none to carry), at a fraction of the CPU.
  // Impls may return init shapes, as Connect allows; the encoder reads both.
  const encode = binaryEncoder(schema);
  return (value) => {
    try {
      return encode(value);
    } catch (err) {
      // grpc-js answers INTERNAL "Error serializing response" itself; log the cause here.
      mb.logger.error('cannot serialise message', { rpc: mb.path, error: err });
      throw err;
    }
  };
}

function deserializer(schema: DescMessage): (bytes: Buffer) => unknown {
  // Compiled per schema (binary-decoder.ts): what fromBinary answers, for a fraction of the
  // CPU; input it does not fully understand goes to fromBinary itself. A parse failure throws.
  return binaryDecoder(schema);
}

/**
 * Bytes that are not a valid request message. grpc-js answers INTERNAL "Error deserializing
 * request" when a request deserializer throws, which tells the caller the server is broken
 * when it is the caller's bytes that are. So the deserializer returns this instead, and the
 * handler answers INVALID_ARGUMENT naming the problem (the same answer as the HTTP port's).
 */
class UndecodableRequest {
  constructor(readonly error: ConnectError) {}
}

function requestDeserializer(schema: DescMessage): (bytes: Buffer) => unknown {
  const decode = binaryDecoder(schema);
  return (bytes) => {
    try {
      return decode(bytes);
    } catch (err) {
      return new UndecodableRequest(malformedRequest(schema.typeName, err));
    }
  };
}

function makeHandler(mb: MethodBridge): grpc.UntypedHandleCall {
  const kind = mb.method.methodKind;
  if (mb.fn !== undefined && kind === 'unary') {
    return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => void runUnary(mb, call, callback);
  }
  if (mb.fn !== undefined && kind === 'server_streaming') {
    return (call: grpc.ServerWritableStream<unknown, unknown>) => void runServerStream(mb, call);
  }
  // Missing methods, and client/bidi streaming (not bridged: the contract has none).
  const status = {
    code: grpc.status.UNIMPLEMENTED,
    details: `${mb.service.typeName}.${mb.method.name} is not implemented`,
  };
  if (kind === 'unary' || kind === 'client_streaming') {
    return (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(status);
  }
  return (call: grpc.ServerWritableStream<unknown, unknown>) => void call.emit('error', status);
}

async function runUnary(
  mb: MethodBridge,
  call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>,
): Promise<void> {
  if (call.request instanceof UndecodableRequest) return callback(toGrpcStatus(call.request.error));
  const ctx = new GrpcHandlerContext(mb, call);
  mb.calls?.add(ctx);
  try {
    const response = await mb.fn!(call.request, ctx);
    ctx.sendHeader();
    callback(null, response, ctx.trailerMetadata());
  } catch (err) {
    ctx.sendHeader();
    callback(toGrpcStatus(publicError(err, ctx.abortReason, mb.path, mb.logger), ctx.trailerMetadata()));
  } finally {
    ctx.abort(RPC_COMPLETED);
    mb.calls?.delete(ctx);
  }
}

async function runServerStream(mb: MethodBridge, call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  if (call.request instanceof UndecodableRequest) return void call.emit('error', toGrpcStatus(call.request.error));
  const ctx = new GrpcHandlerContext(mb, call);
  mb.calls?.add(ctx);
  try {
    const messages = mb.fn!(call.request, ctx) as AsyncIterable<unknown>;
    // Leaving this loop early (break, or a throw in its body) calls the iterator's return(),
    // which runs the impl's finally blocks: that is how a cancel reaches an impl parked at a
    // `yield`. An impl parked in an await learns it from the aborted signal.
    for await (const message of messages) {
      if (call.cancelled) break;
      ctx.sendHeader(); // Connect's rule: stream headers are fixed at the first message
      // Backpressure: write() is false once grpc-js buffers past its high-water mark (HTTP/2
      // flow control from a slow client), so stop pulling from the impl until it drains.
      if (!call.write(message)) {
        await drainOrCancel(call);
        if (call.cancelled) break;
      }
    }
    if (!call.cancelled) {
      ctx.sendHeader();
      call.end(ctx.trailerMetadata());
    }
  } catch (err) {
    if (!call.cancelled) {
      ctx.sendHeader();
      const status = toGrpcStatus(publicError(err, ctx.abortReason, mb.path, mb.logger), ctx.trailerMetadata());
      // ServerWritableStreamImpl turns an 'error' event into the final status + trailers.
      call.emit('error', status);
    }
  } finally {
    ctx.abort(RPC_COMPLETED);
    mb.calls?.delete(ctx);
  }
}

function drainOrCancel(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  if (call.cancelled) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    // A cancelled call never drains (grpc-js drops its writes), hence 'cancelled' and 'close'.
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

const kCtx = Symbol('switchyard.grpcHandlerContext');
type TrackedCall = GrpcServerCall & { [kCtx]?: GrpcHandlerContext };

/**
 * The Connect HandlerContext of one gRPC call. Same contract as `createHandlerContext`, but
 * lazy: createHandlerContext + abort() builds two AbortControllers, linked listeners, three
 * Headers and an abort event at completion on every call, which measured at a quarter of a
 * whole bare grpc-js echo call's server CPU. Here the signal, headers and values exist only
 * once the impl touches them, and the deadline needs no timer of our own: grpc-js already
 * runs one, answers DEADLINE_EXCEEDED and emits 'cancelled', which aborts the signal.
 * Semantics kept: the signal aborts on cancel, deadline, shutdown and completion (created
 * late, it is born aborted); timeoutMs() counts down to the gRPC deadline.
 */
class GrpcHandlerContext implements HandlerContext {
  readonly protocolName = 'grpc';
  readonly requestMethod = 'POST';
  private reason: unknown = undefined;
  private controller: AbortController | undefined = undefined;
  private reqHeader: Headers | undefined = undefined;
  private resHeader: Headers | undefined = undefined;
  private resTrailer: Headers | undefined = undefined;
  private ctxValues: ContextValues | undefined = undefined;
  private headerSent = false;

  constructor(
    private readonly mb: MethodBridge,
    private readonly call: TrackedCall,
  ) {}

  /** Why the call ended or was abandoned; undefined while it runs. Without a signal there is
   * no listener: grpc-js's `cancelled` flag (set on client cancel, deadline and shutdown)
   * is read when the reason is asked for. */
  get abortReason(): unknown {
    if (this.reason === undefined && this.call.cancelled) this.reason = cancelReason(this.call);
    return this.reason;
  }

  get service(): DescService {
    return this.mb.service;
  }
  get method(): DescMethod {
    return this.mb.method;
  }
  get url(): string {
    return 'http://' + this.call.getHost() + this.mb.path;
  }
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      const reason = this.abortReason;
      if (reason !== undefined) {
        this.controller.abort(reason); // created late: born aborted
      } else {
        // grpc-js emits 'cancelled' on client cancel, deadline and shutdown, and also after
        // every normal completion; the last is a no-op because the reason is set by then.
        this.call[kCtx] = this;
        this.call.on('cancelled', onCallCancelled);
      }
    }
    return this.controller.signal;
  }
  /** One request header's value (repeated values joined as Headers joins them), without
   * building the whole Headers object on every call. */
  requestHeaderValue(name: string): string | null {
    if (this.reqHeader !== undefined) return this.reqHeader.get(name);
    const values = this.call.metadata.get(name);
    if (values.length === 0) return null;
    if (values.length === 1 && typeof values[0] === 'string') return values[0];
    return this.requestHeader.get(name);
  }
  get timeoutMs(): () => number | undefined {
    const deadline = deadlineMs(this.call);
    return () => (deadline === Infinity ? undefined : deadline - Date.now());
  }
  get requestHeader(): Headers {
    // Binary (-bin) values arrive base64-encoded, as on the wire and as connect-node shows them.
    if (this.reqHeader === undefined) {
      try {
        this.reqHeader = new Headers(metadataToPairs(this.call.metadata));
      } catch {
        // Headers refuses some values grpc-js accepts (e.g. control characters).
        throw new ConnectError('invalid request metadata', Code.InvalidArgument);
      }
    }
    return this.reqHeader;
  }
  get responseHeader(): Headers {
    return (this.resHeader ??= new Headers());
  }
  get responseTrailer(): Headers {
    return (this.resTrailer ??= new Headers());
  }
  get values(): ContextValues {
    return (this.ctxValues ??= this.mb.contextValues?.(this.call) ?? createContextValues());
  }

  /** The call has ended (or been abandoned) and its signal's reason is fixed. */
  get settled(): boolean {
    return this.reason !== undefined;
  }

  abort(reason: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  /** Sends the impl's response headers, once, if it set any. */
  sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    const md = this.resHeader && headersToMetadata(this.resHeader, undefined);
    if (md !== undefined) this.call.sendMetadata(md);
  }

  trailerMetadata(): grpc.Metadata | undefined {
    return this.resTrailer && headersToMetadata(this.resTrailer, undefined);
  }
}

function onCallCancelled(this: TrackedCall): void {
  // grpc-js emits 'cancelled' after every call, a normal end included (its status is already
  // out and the context settled then): build a reason only for a call still running.
  const ctx = this[kCtx];
  if (ctx !== undefined && !ctx.settled) ctx.abort(cancelReason(this));
}

function cancelReason(call: GrpcServerCall): ConnectError {
  // A few ms of slack: grpc-js's deadline timer and Date.now() may disagree by a tick.
  return Date.now() + 5 >= deadlineMs(call)
    ? new ConnectError('the operation timed out', Code.DeadlineExceeded)
    : new ConnectError('the client cancelled the call', Code.Canceled);
}

/** A request header of any handler context: the gRPC port's reads it straight from the call's
 * metadata; other contexts (connect-node's) from their Headers. */
export function requestHeaderValue(ctx: HandlerContext, name: string): string | null {
  return ctx instanceof GrpcHandlerContext ? ctx.requestHeaderValue(name) : ctx.requestHeader.get(name);
}

function deadlineMs(call: GrpcServerCall): number {
  const d = call.getDeadline();
  return typeof d === 'number' ? d : d.getTime();
}

function metadataToPairs(md: grpc.Metadata): [string, string][] {
  const h2 = md.toHttp2Headers(); // -bin values come out base64
  const pairs: [string, string][] = [];
  for (const key in h2) {
    const value = h2[key];
    if (typeof value === 'string') pairs.push([key, value]);
    else if (Array.isArray(value)) for (const v of value) pairs.push([key, v]);
  }
  return pairs;
}

/** Headers → grpc-js metadata, appended to `into`; undefined when there is nothing. */
function headersToMetadata(headers: Headers, into: grpc.Metadata | undefined): grpc.Metadata | undefined {
  let md = into;
  headers.forEach((value, key) => {
    if (RESERVED.has(key)) return;
    md ??= new grpc.Metadata();
    try {
      if (key.endsWith('-bin')) {
        // Headers joins repeated values with ", "; each is base64.
        for (const part of value.split(',')) md.add(key, Buffer.from(part.trim(), 'base64'));
      } else {
        md.add(key, value);
      }
    } catch {
      // grpc-js refuses some keys/values HTTP headers allow (e.g. non-ASCII); drop those.
    }
  });
  return md;
}

/**
 * The one rule for what a client may learn from a failure, shared by both ports:
 * - a ConnectError passes through (the impl chose its code, message and details);
 * - once the call was abandoned (deadline, cancel, shutdown), that reason wins: a downstream
 *   failure caused by the abort is not an internal error;
 * - AbortError/TimeoutError become CANCELED (what ConnectError.from does with them);
 * - anything else is a bug: INTERNAL with a generic message; the cause goes to the logger.
 */
export function publicError(err: unknown, abortReason: unknown, rpc: string, logger: TransportLogger): ConnectError {
  if (err instanceof ConnectError) return err;
  if (abortReason instanceof ConnectError && abortReason !== RPC_COMPLETED) return abortReason;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return ConnectError.from(err);
  }
  logger.error('unhandled error in RPC handler', { rpc, error: err });
  return new ConnectError('internal error', Code.Internal);
}

/** ConnectError → grpc-js status: the same numeric code (Connect's Code values are gRPC's),
 * the raw message, and trailers holding the impl's trailers, the error's metadata and, when
 * the error has details, `grpc-status-details-bin` (a google.rpc.Status), as Connect does. */
/**
 * Trailers are bounded: grpc-js clients refuse metadata past 8 KiB (other stacks 16 KiB), and a
 * status whose trailers cannot be sent never reaches the caller, who then waits out its
 * deadline. A message naming many bad fields of a hostile request (each description may quote
 * the field) is cut to MAX_STATUS_MESSAGE_BYTES (percent-encoded, a non-ASCII byte takes three
 * characters); details past MAX_STATUS_DETAILS_BYTES keep only the ErrorInfo, or go.
 */
const MAX_STATUS_MESSAGE_BYTES = 512;
const MAX_STATUS_DETAILS_BYTES = 3072;

function boundedMessage(raw: string): string {
  // A lone surrogate (a parser's error quoting half of a caller's character) makes grpc-js's
  // percent-encoding of grpc-message throw, and the status is then never sent.
  const message = raw.toWellFormed();
  if (Buffer.byteLength(message) <= MAX_STATUS_MESSAGE_BYTES) return message;
  let out = '';
  for (const ch of message) {
    if (Buffer.byteLength(out + ch) > MAX_STATUS_MESSAGE_BYTES - 4) break;
    out += ch;
  }
  return `${out} …`;
}

export function toGrpcStatus(err: ConnectError, trailer?: grpc.Metadata): grpc.StatusObject {
  const md = headersToMetadata(err.metadata, trailer) ?? new grpc.Metadata();
  const message = boundedMessage(err.rawMessage);
  if (err.details.length > 0) {
    const encode = (details: ConnectError['details']) =>
      toBinary(
        StatusSchema,
        create(StatusSchema, {
          code: err.code,
          message,
          details: details.map((d) =>
            'desc' in d
              ? anyPack(d.desc, create(d.desc, d.value))
              : create(AnySchema, { typeUrl: `type.googleapis.com/${d.type}`, value: d.value }),
          ),
        }),
      );
    let bytes = encode(err.details);
    if (bytes.byteLength > MAX_STATUS_DETAILS_BYTES) {
      bytes = encode(err.details.filter((d) => 'desc' in d && d.desc.typeName === ErrorInfoSchema.typeName));
    }
    if (bytes.byteLength <= MAX_STATUS_DETAILS_BYTES) {
      md.set('grpc-status-details-bin', Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
  }
  return { code: err.code as number as grpc.status, details: message, metadata: md };
}
