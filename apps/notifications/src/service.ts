import type { ServiceStartOptions } from '@cpor/platform';
import { NotificationsModule } from './notifications.module.js';
import { notificationSettingsSchema } from './notifications.settings.js';

export const notificationsService = {
  module: NotificationsModule,
  options: {
    service: 'notifications',
    title: 'CPOR notifications',
    description:
      'Sends every CPOR email (partner, customer consent, reviewers and ops), exactly once per lifecycle event and recipient. ' +
      'It has no business API: it consumes cpor.claim-events.v1 and serves health and metrics.',
    configuration: [notificationSettingsSchema],
  } satisfies ServiceStartOptions,
};
