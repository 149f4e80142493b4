import { EventPattern } from '@nestjs/microservices';
import type { KafkaHandlerExtras } from './retry-policy.js';

/**
 * `@EventPattern` for a CloudEvents type, with the retry policy declared beside the handler:
 * `@OnEvent(EVENT_TYPES.approved, { retry: { maxAttempts: 8, backoffMs: 500 } })`.
 * Same metadata as `@EventPattern<string>(type, { retry })`. Plain `@EventPattern(type)` picks
 * Nest 12's typed overload, which types the method as `(data: {}, ...args: unknown[]) => any`, so a
 * typed payload or a `@Ctx() context: KafkaEventContext` parameter fails to compile (TS1241).
 */
export function OnEvent(types: string | string[], extras?: KafkaHandlerExtras): MethodDecorator {
  // An array registers one handler for several types (Nest keeps only the last @EventPattern).
  return extras ? EventPattern<string | string[]>(types, extras as Record<string, unknown>) : EventPattern<string | string[]>(types);
}
