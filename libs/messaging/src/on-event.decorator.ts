import { EventPattern } from '@nestjs/microservices';
import type { KafkaHandlerExtras } from './retry-policy.js';

/**
 * The one way a Kafka handler is declared: the CloudEvents type(s) it handles and, beside it,
 * its retry policy (how often it is tried before the record goes to the dead-letter topic),
 * written out even when it is the default:
 * `@OnEvent(EVENT_TYPES.approved, { retry: DEFAULT_RETRY_POLICY })`.
 * Which types a service handles on which topic is the table SUBSCRIPTIONS (libs/contracts); the
 * transport refuses to start when the handlers and the table disagree.
 *
 * Same metadata as `@EventPattern<string>(type, { retry })`. Plain `@EventPattern(type)` picks
 * Nest 12's typed overload, which types the method as `(data: {}, ...args: unknown[]) => any`, so a
 * typed payload or a `@Ctx() context: KafkaEventContext` parameter fails to compile (TS1241).
 */
export function OnEvent(types: string | readonly string[], extras: Required<KafkaHandlerExtras>): MethodDecorator {
  // An array registers one handler for several types (Nest keeps only the last @EventPattern).
  return EventPattern<string | string[]>(typeof types === 'string' ? types : [...types], extras as unknown as Record<string, unknown>);
}
