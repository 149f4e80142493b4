import { EVENT_TYPES, REQUEST_TYPES } from '@cpor/domain';
import { TOPICS } from './topics.js';

/**
 * Which service (consumer group) reads which topic, and which record types it handles there: the
 * one table the services' wiring (the topics each subscribes to, checked against the handlers it
 * declares when it starts), the ops tools (every pair has a dead-letter topic) and docs/topics.md
 * (checked by a spec) read. The handler of each type and its retry policy are declared beside the
 * handler, with `@OnEvent(type, { retry })`.
 */
export const SUBSCRIPTIONS = {
  intake: { [TOPICS.claimRequests]: Object.values(REQUEST_TYPES) },
  review: {
    [TOPICS.claimEvents]: [
      EVENT_TYPES.submitted,
      EVENT_TYPES.reviewStarted,
      EVENT_TYPES.infoRequested,
      EVENT_TYPES.approved,
      EVENT_TYPES.rejected,
      EVENT_TYPES.disputed,
      EVENT_TYPES.disputeDecided,
    ],
  },
  consent: { [TOPICS.claimEvents]: [EVENT_TYPES.approved] },
  eligibility: { [TOPICS.claimEvents]: [EVENT_TYPES.consentPeriodElapsed] },
  notifications: {
    [TOPICS.claimEvents]: [
      EVENT_TYPES.submitted,
      EVENT_TYPES.reviewStarted,
      EVENT_TYPES.infoRequested,
      EVENT_TYPES.rejected,
      EVENT_TYPES.disputed,
      EVENT_TYPES.disputeDecided,
      EVENT_TYPES.commented,
      EVENT_TYPES.slaBreached,
      EVENT_TYPES.consentRequested,
      EVENT_TYPES.consentPeriodElapsed,
    ],
  },
} as const satisfies Record<string, Partial<Record<string, readonly string[]>>>;

export type SubscribingService = keyof typeof SUBSCRIPTIONS;

/** The topics a service subscribes to. */
export function subscribedTopics(service: SubscribingService): string[] {
  return Object.keys(SUBSCRIPTIONS[service]);
}

/** The record types a service handles, over all its topics. */
export function handledTypes(service: SubscribingService): string[] {
  return Object.values<readonly string[]>(SUBSCRIPTIONS[service]).flat();
}

/** The types a service handles on one topic (none when it does not read it). */
export function typesOn<S extends SubscribingService>(service: S, topic: keyof (typeof SUBSCRIPTIONS)[S]): readonly string[] {
  return SUBSCRIPTIONS[service][topic] as readonly string[];
}
