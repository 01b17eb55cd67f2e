// The one error type adapters throw: a classified upstream failure. The executor decides
// retries and fallback from `kind` and `retryAfterMs`; the server maps kinds to gRPC codes.
// Messages are the upstream's own text, never containing the API key or request headers.

export type UpstreamErrorKind =
  | 'rate_limited'
  | 'overloaded'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'auth'
  | 'bad_request'
  | 'not_found'
  | 'context_length_exceeded'
  | 'content_filtered'
  | 'stream_interrupted';

/** Kinds worth another attempt on the same endpoint (with backoff). */
export const RETRYABLE: ReadonlySet<UpstreamErrorKind> = new Set(['rate_limited', 'overloaded', 'server_error', 'timeout', 'connection']);

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly details: {
      /** HTTP status, when there was a response. */
      status?: number;
      /** How long the upstream asked us to wait (retry-after & co), ms. */
      retryAfterMs?: number;
      /** The provider's own error code/type string (e.g. "rate_limit_error"). */
      upstreamCode?: string;
      /** Provider id, for messages. */
      provider?: string;
    } = {},
  ) {
    super(message);
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}
