import { create, toBinary } from '@bufbuild/protobuf';
import { Role } from '../gen/switchyard/v1/common_pb.js';
import { RouteRequestSchema } from '../gen/switchyard/v1/router_pb.js';
import { unaryLoad } from '../bench/lib/grpc-load.js';
const request = Buffer.from(toBinary(RouteRequestSchema, create(RouteRequestSchema, { model: 'smart', maxOutputTokens: 512n, messages: [{ role: Role.SYSTEM, content: 'You are a concise assistant.' }, { role: Role.USER, content: 'Summarise the plot of Hamlet in three sentences, please.' }], requestId: 'bench' })));
const r = await unaryLoad({ address: process.argv[2]!, path: '/switchyard.v1.RouterService/Route', request, metadata: { authorization: 'Bearer bench-tenant-key' }, concurrency: 16, durationMs: 6000 });
console.log(r);
