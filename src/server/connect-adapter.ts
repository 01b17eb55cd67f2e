// connect-node's request handler (the same as its `connectNodeAdapter`), plus one correction:
// request bytes that are not a valid message get INVALID_ARGUMENT, as on the gRPC port.
//
// connect-node answers a binary parse failure with INTERNAL "parse binary: …" (HTTP 500 on
// Connect), which tells the caller the server is broken when it is the caller's bytes that
// are. A unary request is parsed before any interceptor runs, so no interceptor can correct
// it; each unary handler's error response is corrected here instead, in the three shapes the
// protocols carry it: Connect's JSON error body, gRPC's trailers and gRPC-Web's trailer frame.
// A streaming request is parsed inside the interceptors: `correctParseError` serves those.
// Invalid UTF-8 in a JSON body is refused (a fatal TextDecoder) rather than replaced with
// U+FFFD, as the binary parser refuses it.
import { Code, ConnectError, createConnectRouter } from '@connectrpc/connect';
import type { UniversalHandler, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { encodeEnvelope, uResponseNotFound } from '@connectrpc/connect/protocol';
import { codeToHttpStatus, errorFromJsonBytes, errorToJsonBytes } from '@connectrpc/connect/protocol-connect';
import { findTrailerError, setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import { trailerFlag, trailerParse, trailerSerialize } from '@connectrpc/connect/protocol-grpc-web';
import {
  compressionBrotli,
  compressionGzip,
  type ConnectNodeAdapterOptions,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from '@connectrpc/connect-node';
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { malformedRequest } from './malformed.js';

/** How connect's binary serialization words a parse failure (protocol/serialization.js). */
const PARSE_BINARY = 'parse binary: ';

const NOT_AN_ERROR_BODY = new ConnectError('not a Connect error body', Code.Unknown);

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** The JSON options connect's serialization reads: a fatal decoder refuses invalid UTF-8. */
function strictJsonOptions(options: ConnectNodeAdapterOptions['jsonOptions']): ConnectNodeAdapterOptions['jsonOptions'] {
  const withDecoder = { ...options, textDecoder: new TextDecoder('utf-8', { fatal: true }) };
  return withDecoder;
}

export function connectHandler(options: ConnectNodeAdapterOptions): (req: NodeRequest, res: NodeResponse) => void {
  const router = createConnectRouter({
    acceptCompression: [compressionGzip, compressionBrotli],
    ...options,
    jsonOptions: strictJsonOptions(options.jsonOptions),
  });
  options.routes(router);
  const paths = new Map<string, UniversalHandler>();
  for (const h of router.handlers) paths.set(h.requestPath, h);
  return (req, res) => {
    const url = req.url ?? '';
    const h = paths.get(url.includes('?') ? url.slice(0, url.indexOf('?')) : url);
    if (h === undefined) {
      res.writeHead(uResponseNotFound.status);
      res.end();
      return;
    }
    const uReq = universalRequestFromNodeRequest(req, res, undefined, options.contextValues?.(req));
    h(uReq)
      .then((uRes) => (h.method.methodKind === 'unary' ? correctUnary(uRes, h.method.input.typeName) : uRes))
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch((reason: unknown) => {
        // What connect-node does: an aborted response is the client's doing, anything else a bug.
        if (ConnectError.from(reason).code === Code.Aborted) return;
        console.error(`handler for rpc ${h.method.name} of ${h.service.typeName} failed`, reason);
      });
  };
}

/** A ConnectError that is connect's binary parse failure, as INVALID_ARGUMENT; else undefined. */
function asMalformed(err: ConnectError | undefined, typeName: string): ConnectError | undefined {
  if (err?.code !== Code.Internal || !err.rawMessage.startsWith(PARSE_BINARY)) return undefined;
  return malformedRequest(typeName, err.rawMessage.slice(PARSE_BINARY.length));
}

/** For interceptors: connect's parse failure of a streaming request as INVALID_ARGUMENT. */
export function correctParseError(err: unknown, typeName: string): unknown {
  return (err instanceof ConnectError && asMalformed(err, typeName)) || err;
}

async function correctUnary(res: UniversalServerResponse, typeName: string): Promise<UniversalServerResponse> {
  const contentType = res.header?.get('content-type') ?? '';
  if (contentType.startsWith('application/grpc-web')) return correctGrpcWeb(res, typeName);
  if (contentType.startsWith('application/grpc')) return correctGrpc(res, typeName);
  if (res.status !== 500 || res.body === undefined || res.header?.has('content-encoding')) return res;
  // Connect unary: an error is a small JSON body, in one chunk.
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  let fixed: ConnectError | undefined;
  try {
    fixed = asMalformed(errorFromJsonBytes(body, undefined, NOT_AN_ERROR_BODY), typeName);
  } catch {
    // Not a Connect error body: pass it on as it was.
  }
  if (fixed === undefined) return { ...res, body: once(body) };
  const bytes = errorToJsonBytes(fixed, {});
  res.header?.set('content-length', String(bytes.byteLength));
  return { ...res, status: codeToHttpStatus(fixed.code), body: once(bytes) };
}

function correctGrpc(res: UniversalServerResponse, typeName: string): UniversalServerResponse {
  // Trailers may be written once the body has been read: correct them then (and now).
  const fix = (trailer: Headers | undefined) => {
    const fixed = trailer && asMalformed(findTrailerError(trailer), typeName);
    if (fixed) setTrailerStatus(trailer, fixed);
  };
  fix(res.header);
  fix(res.trailer);
  if (res.body === undefined) return res;
  const body = res.body;
  return {
    ...res,
    body: (async function* () {
      yield* body;
      fix(res.trailer);
    })(),
  };
}

function correctGrpcWeb(res: UniversalServerResponse, typeName: string): UniversalServerResponse {
  if (res.body === undefined) return res;
  const body = res.body;
  return {
    ...res,
    body: (async function* () {
      for await (const chunk of body) {
        // Each envelope comes as its own chunk; the trailer frame is the one flagged 0x80.
        if (chunk.byteLength >= 5 && (chunk[0]! & trailerFlag) === trailerFlag) {
          const trailer = trailerParse(chunk.subarray(5));
          const fixed = asMalformed(findTrailerError(trailer), typeName);
          if (fixed) {
            setTrailerStatus(trailer, fixed);
            yield encodeEnvelope(trailerFlag, trailerSerialize(trailer));
            continue;
          }
        }
        yield chunk;
      }
    })(),
  };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
