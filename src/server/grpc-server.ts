// The gRPC port: @grpc/grpc-js serving the bridged Connect impls, plus the standard health
// service (grpc.health.v1) and server reflection (v1 and v1alpha) so that grpcurl, Postman and
// evans can discover the API without a copy of the .proto files.
import * as grpc from '@grpc/grpc-js';
import { toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ContextValues } from '@connectrpc/connect';
import { HealthImplementation, service as healthService, type ServingStatus } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { ABORTED_CALLS_GRACE_MS, shuttingDown } from './shutdown.js';
import { removeStaleSocket, unixSocketPath } from './unix-socket.js';
import { grpcTlsCredentials, type TlsFiles } from './tls.js';
import { bridgeService, InFlightCalls, type GrpcServerCall, type ServiceRegistration, type TransportLogger } from './grpc-bridge.js';

export interface GrpcServerOptions {
  /** "host:port"; port 0 picks a free port. */
  address: string;
  services: ServiceRegistration[];
  maxReceiveMessageBytes: number;
  logger?: TransportLogger;
  contextValues?: (call: GrpcServerCall) => ContextValues;
  /** TLS from files, re-read by grpc-js when they change. */
  tls?: TlsFiles | undefined;
}

export interface GrpcHealth {
  /** Sets the overall status ("") and every registered service's. */
  setAll(status: ServingStatus): void;
  set(service: string, status: ServingStatus): void;
}

export interface RunningGrpcServer {
  port: number;
  /** "host:port" with the bound port. */
  address: string;
  health: GrpcHealth;
  /** NOT_SERVING, then a graceful shutdown for up to graceMs, then a forced one. */
  close(graceMs?: number): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
  });
  const names: string[] = [];
  const calls = new InFlightCalls();
  for (const { service, impl } of options.services) {
    const bridged = bridgeService(service, impl, {
      logger: options.logger,
      contextValues: options.contextValues,
      calls,
    });
    server.addService(bridged.definition, bridged.implementation);
    names.push(service.typeName);
  }

  const statuses: Record<string, ServingStatus> = { '': 'SERVING' };
  for (const name of names) statuses[name] = 'SERVING';
  const healthImpl = new HealthImplementation(statuses);
  // grpc-health-check types its server parameter against its own proto-loader copy.
  healthImpl.addToServer(server as unknown as Parameters<HealthImplementation['addToServer']>[0]);
  const health: GrpcHealth = {
    setAll(status) {
      healthImpl.setStatus('', status);
      for (const name of names) healthImpl.setStatus(name, status);
    },
    set(service, status) {
      healthImpl.setStatus(service, status);
    },
  };

  new ReflectionService(reflectionPackage(options.services.map((s) => s.service)), {
    services: [...names, HEALTH_SERVICE],
  }).addToServer(server);

  // grpc-js binds `unix:///path` itself; a socket file left by a dead process is removed first.
  const socketPath = unixSocketPath(options.address);
  if (socketPath) await removeStaleSocket(socketPath);
  const port = await new Promise<number>((resolve, reject) => {
    const credentials = options.tls ? grpcTlsCredentials(options.tls) : grpc.ServerCredentials.createInsecure();
    server.bindAsync(options.address, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  const host = options.address.slice(0, options.address.lastIndexOf(':'));

  let closing: Promise<void> | undefined;
  return {
    port,
    address: socketPath ? options.address : `${host}:${port}`,
    health,
    close(graceMs = 5000) {
      closing ??= new Promise<void>((resolve) => {
        health.setAll('NOT_SERVING');
        // tryShutdown waits for every call, including health Watch streams that never end
        // by themselves, hence the forced shutdown after the grace period. Our own calls
        // still running then are first ended with UNAVAILABLE (shutdown.ts), not cut.
        let cut: NodeJS.Timeout | undefined;
        const timer = setTimeout(() => {
          calls.abortAll(shuttingDown());
          // Their last messages and statuses must reach the clients: forceShutdown destroys
          // sessions with whatever they still buffer, so the graceful shutdown gets a moment
          // more to finish by itself (it does once no other stream, e.g. a health Watch, is open).
          cut = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, ABORTED_CALLS_GRACE_MS);
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          clearTimeout(cut);
          resolve();
        });
      });
      return closing;
    },
  };
}

type ReflectionPackage = ConstructorParameters<typeof ReflectionService>[0];

const HEALTH_SERVICE = 'grpc.health.v1.Health';

/**
 * @grpc/reflection reads `fileDescriptorProtos` from a proto-loader package definition. We
 * give it the serialised FileDescriptorProtos embedded in the generated code (each service's
 * file and its transitive imports), so reflection always describes exactly the contract this
 * binary was built with, without reading .proto files at run time.
 */
export function reflectionPackage(services: DescService[]): ReflectionPackage {
  const files = new Map<string, Buffer>();
  const visit = (file: DescFile): void => {
    const name = file.proto.name;
    if (files.has(name)) return;
    const bytes = toBinary(FileDescriptorProtoSchema, file.proto);
    files.set(name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    for (const dep of file.dependencies) visit(dep);
  };
  for (const service of services) visit(service.file);
  // The health service is served too, so reflection lists and describes it (grpc-health-check
  // loads its .proto with proto-loader, whose method definitions carry the file descriptors).
  const healthFiles = healthService.Check?.requestType.fileDescriptorProtos ?? [];
  return {
    'switchyard.reflection': {
      format: 'Protocol Buffer 3 DescriptorProto',
      type: {},
      fileDescriptorProtos: [...files.values()],
    },
    'grpc.health.v1': {
      format: 'Protocol Buffer 3 DescriptorProto',
      type: {},
      fileDescriptorProtos: healthFiles,
    },
  } as unknown as ReflectionPackage;
}
