import { EventPattern } from '@nestjs/microservices';
import type { KafkaHandlerExtras } from './retry-policy.js';

/**
 * `@EventPattern(type, { retry })` with the extras typed. Same metadata as writing
 * `@EventPattern<string>(type, { retry: { maxAttempts: 8, backoffMs: 500 } })` by hand.
 *
 * Why not plain `@EventPattern(type)`: in Nest 12 that overload types the method as
 * `(data: {}, ...args: unknown[]) => any`, so a typed payload or `@Ctx() ctx: KafkaEventContext`
 * parameter fails to compile (TS1241). The explicit `<string>` type argument selects the untyped
 * `MethodDecorator` overload, as this helper does.
 */
export function KafkaEventPattern(pattern: string, extras: KafkaHandlerExtras = {}): MethodDecorator {
  return EventPattern<string>(pattern, extras as Record<string, unknown>);
}
