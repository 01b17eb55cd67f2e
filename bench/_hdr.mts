import * as grpc from '@grpc/grpc-js';
const md = new grpc.Metadata();
md.set('authorization', 'Bearer bench-tenant-key'); md.set('user-agent', 'grpc-node-js/1.14.7'); md.set('grpc-accept-encoding', 'identity,deflate,gzip');
const pairs = () => { const h = md.toHttp2Headers(); const out: [string,string][] = []; for (const k in h) { const v = h[k]; out.push([k, String(v)]); } return out; };
const N=100000; for (let i=0;i<N;i++) new Headers(pairs()).get('authorization');
let t0=performance.now(); for (let i=0;i<N;i++) new Headers(pairs()).get('authorization'); console.log('headers', ((performance.now()-t0)/N*1000).toFixed(2),'µs');
t0=performance.now(); for (let i=0;i<N;i++) md.get('authorization')[0]; console.log('md.get', ((performance.now()-t0)/N*1000).toFixed(2),'µs');
