import { Injectable, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type StoreConnection, DeliveryRepository } from '@cpor/persistence';
import { CLOCK, type Clock } from '@cpor/kernel';
import { ConsentLinkSigner, ServiceCoreModule, ServiceMetrics, SERVICE_CONFIG, type ServiceConfig, MONGO_CONNECTION } from '@cpor/platform';
import { DeliverySender } from './deliveries/delivery-sender.js';
import { SmtpMailer } from '@cpor/mail';
import { TEMPLATE_NAMES, type PlanContext } from './notification-plan.js';
import { NotificationService } from './notification.service.js';
import { NotificationsController } from './notifications.controller.js';
import { NOTIFICATION_SETTINGS, loadNotificationSettings, type NotificationSettings } from './notifications.settings.js';
import { TemplateRenderer } from './templates/template-renderer.js';

/** Builds what the pure plan needs from configuration; the consent link is derived, never stored on Kafka. */
export function planContext(config: ServiceConfig, settings: NotificationSettings): PlanContext {
  const signer = new ConsentLinkSigner(config.consent.linkSecret);
  return {
    claimsBaseUrl: settings.claimsBaseUrl,
    reviewersEmail: settings.reviewersEmail,
    opsEmail: settings.opsEmail,
    timeZone: settings.timeZone,
    consentLink: (claim, deadline) =>
      signer.url(config.consent.publicBaseUrl, { claimId: claim.id, epoch: claim.statusEpoch, expiresAt: deadline }),
  };
}

/** Starts the sender once the app is up and stops it before the Mongo connection closes; shows the queue in the metrics. */
@Injectable()
class SenderLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly sender: DeliverySender,
    private readonly mailer: SmtpMailer,
    deliveries: DeliveryRepository,
    metrics: ServiceMetrics,
  ) {
    metrics.watchDeliveries(deliveries);
  }

  onApplicationBootstrap(): void {
    this.sender.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sender.stop();
    this.mailer.close();
  }
}

@Module({
  imports: [ServiceCoreModule.forService('notifications')],
  controllers: [NotificationsController],
  providers: [
    {
      provide: NOTIFICATION_SETTINGS,
      useFactory: (config: ServiceConfig) => loadNotificationSettings(config),
      inject: [SERVICE_CONFIG],
    },
    {
      provide: TemplateRenderer,
      useFactory: (settings: NotificationSettings) => {
        const renderer = new TemplateRenderer(settings.templatesDir, { strict: settings.strictTemplates });
        // Fail at start-up, not on the first event, when a template file is missing.
        for (const name of TEMPLATE_NAMES) renderer.load(name);
        return renderer;
      },
      inject: [NOTIFICATION_SETTINGS],
    },
    {
      provide: DeliveryRepository,
      useFactory: (connection: StoreConnection) => DeliveryRepository.forConnection(connection),
      inject: [MONGO_CONNECTION],
    },
    {
      provide: SmtpMailer,
      useFactory: (config: ServiceConfig, settings: NotificationSettings) => new SmtpMailer(config.smtp, settings.sender.concurrency),
      inject: [SERVICE_CONFIG, NOTIFICATION_SETTINGS],
    },
    {
      provide: DeliverySender,
      useFactory: (deliveries: DeliveryRepository, mailer: SmtpMailer, settings: NotificationSettings) =>
        new DeliverySender(deliveries, mailer, settings.sender),
      inject: [DeliveryRepository, SmtpMailer, NOTIFICATION_SETTINGS],
    },
    {
      provide: NotificationService,
      useFactory: (
        deliveries: DeliveryRepository,
        renderer: TemplateRenderer,
        config: ServiceConfig,
        settings: NotificationSettings,
        clock: Clock,
        sender: DeliverySender,
      ) => new NotificationService(deliveries, renderer, planContext(config, settings), clock, () => sender.nudge()),
      inject: [DeliveryRepository, TemplateRenderer, SERVICE_CONFIG, NOTIFICATION_SETTINGS, CLOCK, DeliverySender],
    },
    SenderLifecycle,
  ],
})
export class NotificationsModule {}

