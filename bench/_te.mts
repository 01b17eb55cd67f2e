import { create, toBinary, fromBinary } from '@bufbuild/protobuf';
import { RouteResponseSchema } from '../gen/switchyard/v1/router_pb.js';
import { useNodeTextEncoding } from '../src/server/text-encoding.js';
const bytes = Buffer.from(process.argv[2]!, 'base64');
const msg = fromBinary(RouteResponseSchema, bytes);
function t(name: string) { for (let i=0;i<20000;i++) toBinary(RouteResponseSchema, msg); const t0=performance.now(); for (let i=0;i<50000;i++) toBinary(RouteResponseSchema, msg); const a=(performance.now()-t0)/50000*1000; const t1=performance.now(); for (let i=0;i<50000;i++) fromBinary(RouteResponseSchema, bytes); console.log(name, 'toBinary', a.toFixed(2), 'µs fromBinary', ((performance.now()-t1)/50000*1000).toFixed(2), 'µs'); }
t('default'); useNodeTextEncoding(); t('buffer');
