/** Kafka topic names (DESIGN section 3). Versioned: a breaking change is a new topic. */
export const TOPICS = {
  claimRequests: 'cpor.claim-requests.v1',
  claimRequestsRejected: 'cpor.claim-requests.rejected.v1',
  claimEvents: 'cpor.claim-events.v1',
  claimEligibility: 'cpor.claim-eligibility.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Dead-letter topic of a source topic for one consumer group. */
export function deadLetterTopic(sourceTopic: string, group: string): string {
  return `${sourceTopic}.${group}.dlq`;
}
