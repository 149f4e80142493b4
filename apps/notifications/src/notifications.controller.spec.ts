import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { PATTERN_METADATA } from '@nestjs/microservices/constants.js';
import { EVENT_TYPES } from '@cpor/contracts';
import type { NotificationService } from './notification.service.js';
import { NOTIFYING_EVENT_TYPES } from './notification-plan.js';
import { NonRetryableError } from '@cpor/kernel';
import { NotificationsController } from './notifications.controller.js';
import { sampleEvent } from './testing/sample-events.js';

function handlerPatterns(): Map<string, string> {
  const byPattern = new Map<string, string>();
  const prototype = NotificationsController.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const patterns = Reflect.getMetadata(PATTERN_METADATA, prototype[name] as object) as string[] | undefined;
    for (const pattern of patterns ?? []) byPattern.set(pattern, name);
  }
  return byPattern;
}

describe('NotificationsController', () => {
  it('subscribes to exactly the event types that send email', () => {
    expect([...handlerPatterns().keys()].sort()).toEqual([...NOTIFYING_EVENT_TYPES].sort());
  });

  it('each handler resolves only after the deliveries are recorded (the offset commits after it)', async () => {
    const order: string[] = [];
    const service = {
      record: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push('recorded');
        return { created: 1, existing: 0 };
      },
    } as unknown as NotificationService;
    const controller = new NotificationsController(service) as unknown as Record<string, (event: unknown) => Promise<void>>;
    for (const [pattern, method] of handlerPatterns()) {
      order.length = 0;
      await controller[method](sampleEvent(pattern));
      order.push('returned');
      expect([pattern, order]).toEqual([pattern, ['recorded', 'returned']]);
    }
  });

  it('lets a failure propagate, so the transport retries and then dead-letters', async () => {
    const service = { record: async () => Promise.reject(new Error('store down')) } as unknown as NotificationService;
    await expect(new NotificationsController(service).notify(sampleEvent(EVENT_TYPES.submitted))).rejects.toThrow('store down');
  });

  it('dead-letters at once (no retry, nothing recorded) an event without the claim its emails are made of', async () => {
    const recorded: unknown[] = [];
    const service = { record: async (event: unknown) => recorded.push(event) } as unknown as NotificationService;
    const controller = new NotificationsController(service);
    const good = sampleEvent(EVENT_TYPES.consentRequested);
    const broken = [
      { ...good, data: undefined },
      { ...good, data: { ...good.data, claim: undefined } },
      { ...good, data: { claimId: good.data.claimId, claim: { id: good.data.claimId, statusEpoch: 1 } } },
      { ...good, data: { ...good.data, claim: { ...good.data.claim, partnerContact: undefined } } },
    ];
    for (const event of broken) {
      await expect(controller.notify(event as never)).rejects.toBeInstanceOf(NonRetryableError);
    }
    await expect(controller.notify(broken[2] as never)).rejects.toThrow(/missing .*claim\.customer\.name, claim\.partnerContact\.email, claim\.customerContact\.email, claim\.products/);
    expect(recorded).toEqual([]);
  });
});
