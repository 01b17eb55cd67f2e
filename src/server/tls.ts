// TLS on both listeners from certificate and key files, optionally verifying client
// certificates against a CA file. The files are re-read when they change (a renewed
// certificate, a Kubernetes Secret update), without a restart and without dropping
// connections: new handshakes use the new files. On the HTTP port a half-written or invalid
// set is logged and the previous one stays in use; on the gRPC port grpc-js's own file watcher
// re-reads them (it stops handshaking while a file is missing, until the file is back).
import { readFileSync, statSync } from 'node:fs';
import type * as tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Client certificates are requested and verified against this CA bundle. */
  clientCaFile?: string | undefined;
  /** Refuse clients without a valid certificate (needs clientCaFile). */
  requireClientCert: boolean;
  /** How often the files are checked for changes. */
  watchIntervalMs: number;
}

/** Server options for node:tls (the HTTP port). */
export function readTlsOptions(files: TlsFiles): tls.SecureContextOptions {
  return {
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    ...(files.clientCaFile ? { ca: readFileSync(files.clientCaFile) } : {}),
  };
}

export function tlsServerOptions(files: TlsFiles): tls.TlsOptions {
  return {
    ...readTlsOptions(files),
    requestCert: Boolean(files.clientCaFile),
    rejectUnauthorized: Boolean(files.clientCaFile) && files.requireClientCert,
    // h2 first: gRPC and Connect over HTTP/2; HTTP/1.1 for everything else.
    ALPNProtocols: ['h2', 'http/1.1'],
  };
}

/**
 * Polls the files' size and mtime (a watch on a path that is a symlink swapped by Kubernetes
 * misses updates; polling does not) and hands fresh options to `apply`. Returns a stop function.
 */
export function watchTlsFiles(
  files: TlsFiles,
  apply: (options: tls.SecureContextOptions) => void,
  onError: (err: unknown) => void,
): () => void {
  const paths = [files.certFile, files.keyFile, ...(files.clientCaFile ? [files.clientCaFile] : [])];
  const stamp = () =>
    paths
      .map((p) => {
        try {
          const s = statSync(p);
          return `${s.size}:${s.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  let last = stamp();
  const timer = setInterval(() => {
    const now = stamp();
    if (now === last) return;
    try {
      apply(readTlsOptions(files));
      last = now;
    } catch (err) {
      // Retried at the next tick: the files may be mid-update.
      onError(err);
    }
  }, files.watchIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** gRPC server credentials that follow the files (grpc-js re-reads them itself). */
export function grpcTlsCredentials(files: TlsFiles): grpc.ServerCredentials {
  const identity = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: files.certFile,
    privateKeyFile: files.keyFile,
    refreshIntervalMs: files.watchIntervalMs,
  });
  const ca = files.clientCaFile
    ? new grpc.experimental.FileWatcherCertificateProvider({
        caCertificateFile: files.clientCaFile,
        refreshIntervalMs: files.watchIntervalMs,
      })
    : null;
  // grpc-js 1.14 declares (ca, identity, require) but its implementation takes the identity
  // provider first and the CA second (server-credentials.js); test/ops/tls.test.ts pins this.
  return grpc.experimental.createCertificateProviderServerCredentials(
    identity,
    ca,
    files.clientCaFile !== undefined && files.requireClientCert,
  );
}
