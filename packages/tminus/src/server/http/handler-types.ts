import type { RouteName, RouteOutput, Routes } from '@tminus/sdk/protocol';
import type { z } from 'zod';

import type { StagedBlob } from '../../store/blob-store.js';
import type { AuthContext } from '../auth.js';

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** A route's validated input, as its handler receives it. */
export interface HandlerInput<N extends RouteName> {
  readonly params: Routes[N] extends { params: infer P } ? Out<P> : undefined;
  readonly query: Routes[N] extends { query: infer Q } ? Out<Q> : undefined;
  readonly body: Routes[N] extends { body: infer B } ? Out<B> : undefined;
  /** An upload, already on disk (streamed there while it arrived). */
  readonly raw: Routes[N] extends { rawBody: true } ? StagedBlob : undefined;
}

export interface RequestContext {
  readonly auth: AuthContext;
  /** Aborts when the client goes away (ends long-polls early). */
  readonly signal: AbortSignal;
  readonly idempotencyKey: string | undefined;
}

export type Handler<N extends RouteName> = (
  input: HandlerInput<N>,
  ctx: RequestContext,
) => Promise<RouteOutput<N>>;
export type Handlers = { readonly [N in RouteName]: Handler<N> };
