import { EventPattern } from '@nestjs/microservices';
import type { KafkaHandlerExtras } from './retry-policy.js';

/**
 * `@EventPattern` for a CloudEvents type, with the retry policy declared beside the handler:
 * `@OnEvent(EVENT_TYPES.approved, { retry: { maxAttempts: 8 } })`. (Nest 12's typed overload of
 * EventPattern would otherwise constrain the handler's parameters.)
 */
export function OnEvent(type: string, extras?: KafkaHandlerExtras): MethodDecorator {
  return extras ? EventPattern<string>(type, extras as Record<string, unknown>) : EventPattern<string>(type);
}
