// Wraps a service implementation once, at start-up, so that every method of both ports
// authenticates the caller, exposes the caller through the handler context, and turns
// domain errors into ConnectErrors with typed details. Methods the implementation lacks
// answer UNIMPLEMENTED with a message naming them.
import type { DescService } from '@bufbuild/protobuf';
import { createContextKey, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { unimplemented } from '../errors.js';
import type { Caller } from '../calls/caller.js';
import { DEV_CALLER, requireAdmin, type Authenticator } from './auth.js';
import { toConnectError, type ErrorLogger } from './errors.js';
import { requestHeaderValue } from './grpc-bridge.js';

export const CALLER = createContextKey<Caller>(DEV_CALLER, { description: 'authenticated caller' });

export function callerOf(ctx: HandlerContext): Caller {
  return ctx.values.get(CALLER);
}

type AnyFn = (req: unknown, ctx: HandlerContext) => unknown;

export interface GuardOptions {
  auth: Authenticator;
  /** Methods a non-admin key may call; every other method needs an admin key. Omit: any key. */
  tenantMethods?: ReadonlySet<string>;
  log?: ErrorLogger;
  /** Shown in UNIMPLEMENTED messages: which issue/milestone builds the method. */
  pending?: string;
}

export function guard<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>, opts: GuardOptions): ServiceImpl<S> {
  const out: Record<string, AnyFn> = {};
  for (const method of service.methods) {
    const fn = (impl as Record<string, AnyFn | undefined>)[method.localName]?.bind(impl);
    const adminOnly = opts.tenantMethods !== undefined && !opts.tenantMethods.has(method.name);
    const authorize = async (ctx: HandlerContext) => {
      const caller = await opts.auth.authenticate(requestHeaderValue(ctx, 'authorization'));
      if (adminOnly) requireAdmin(caller);
      ctx.values.set(CALLER, caller);
    };
    const missing = () => unimplemented(`${service.typeName}/${method.name}`, opts.pending ?? 'not built in this version');

    if (method.methodKind === 'server_streaming') {
      out[method.localName] = async function* (req: unknown, ctx: HandlerContext) {
        try {
          await authorize(ctx);
          if (!fn) throw missing();
          yield* fn(req, ctx) as AsyncIterable<unknown>;
        } catch (err) {
          throw toConnectError(err, opts.log);
        }
      };
    } else {
      out[method.localName] = async (req: unknown, ctx: HandlerContext) => {
        try {
          await authorize(ctx);
          if (!fn) throw missing();
          return await fn(req, ctx);
        } catch (err) {
          throw toConnectError(err, opts.log);
        }
      };
    }
  }
  return out as unknown as ServiceImpl<S>;
}
