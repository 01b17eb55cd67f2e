// A closed-loop unary load generator over @grpc/grpc-js with pre-serialised bytes, so the
// client costs the same whichever server it calls.
import * as grpc from '@grpc/grpc-js';

export interface LoadResult {
  calls: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

const identity = (b: Buffer): Buffer => b;

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function unaryLoad(opts: {
  address: string;
  path: string;
  request: Buffer;
  metadata?: Record<string, string>;
  concurrency: number;
  durationMs: number;
}): Promise<LoadResult> {
  const client = new grpc.Client(opts.address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + opts.durationMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      client.makeUnaryRequest(opts.path, identity, identity, opts.request, md, (err) => {
        if (err) errors++;
        else latencies.push(performance.now() - t0);
        resolve();
      });
    });
  const worker = async () => {
    while (performance.now() < deadline) await one();
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  client.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    calls: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

export async function unaryOnce(address: string, path: string, request: Buffer, metadata: Record<string, string> = {}): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(path, identity, identity, request, md, (err, res) => (err ? reject(err) : resolve(res!))),
    );
  } finally {
    client.close();
  }
}
