import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { EVENT_TYPES } from '@cpor/contracts';
import { NotificationService } from './notification.service.js';
import { InMemoryDeliveryQueue } from './testing/in-memory-delivery-queue.js';
import { SAMPLE_CONTEXT, sampleEvent } from './testing/sample-events.js';
import { TemplateRenderer } from './templates/template-renderer.js';

const renderer = new TemplateRenderer(path.resolve(process.cwd(), 'apps/notifications/templates'));
const clock = { now: () => new Date('2020-06-05T14:00:01.000Z') };

describe('NotificationService.record', () => {
  it('queues one rendered delivery per planned message, and nothing new for the same event again', async () => {
    const queue = new InMemoryDeliveryQueue();
    let nudges = 0;
    const service = new NotificationService(queue, renderer, SAMPLE_CONTEXT, clock, () => nudges++);
    const event = sampleEvent(EVENT_TYPES.consentRequested, { deadline: '2020-06-12T14:00:00.000Z' }, { status: 'Approved', statusEpoch: 6 });

    expect(await service.record(event)).toEqual({ created: 2, existing: 0 });
    expect(await service.record(structuredClone(event))).toEqual({ created: 0, existing: 2 });
    expect(nudges).toBe(1);

    const rows = [...queue.rows.values()].sort((a, b) => a._id.localeCompare(b._id));
    expect(rows.map((r) => r._id)).toEqual([
      `${event.id}:claim-approved:ada@contoso.example`,
      `${event.id}:consent-request:grace@fabrikam.example`,
    ]);
    expect(rows[1]).toMatchObject({
      eventId: event.id,
      eventType: EVENT_TYPES.consentRequested,
      claimId: event.subject,
      template: 'consent-request',
      role: 'customer',
      to: 'grace@fabrikam.example',
      toName: 'Grace Hopper',
      status: 'pending',
      attempts: 0,
      createdAt: clock.now(),
    });
    // Due at once in wall-clock time, whatever the business clock says.
    expect(rows[1].nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(rows[1].subject).toContain('Fabrikam Ltd');
    expect(rows[1].text).toContain('https://consent.cpor.example/v1/consent/TOKEN-');
    expect(rows[1].html).toContain('<a href="https://consent.cpor.example/v1/consent/TOKEN-');
  });

  it('a different event for the same claim is a different delivery', async () => {
    const queue = new InMemoryDeliveryQueue();
    const service = new NotificationService(queue, renderer, SAMPLE_CONTEXT, clock);
    await service.record(sampleEvent(EVENT_TYPES.reviewStarted));
    await service.record(sampleEvent(EVENT_TYPES.reviewStarted));
    expect(queue.rows.size).toBe(2);
  });

  it('records nothing for an event that sends nothing', async () => {
    const queue = new InMemoryDeliveryQueue();
    const service = new NotificationService(queue, renderer, SAMPLE_CONTEXT, clock);
    expect(await service.record(sampleEvent(EVENT_TYPES.edited))).toEqual({ created: 0, existing: 0 });
  });
});
