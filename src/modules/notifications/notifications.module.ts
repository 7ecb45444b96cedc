import { Global, Module } from '@nestjs/common';
import { AppConfig } from 'src/infra/config/app-config';
import { LoggingNotificationSender, NotificationSender, WebhookNotificationSender } from './notification-sender';
import { NotificationsService } from './notifications.service';
import { NotificationListeners } from './notification-listeners';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';
import { NoticeRecipientSealer } from './notice-recipient-sealer';
import { NotificationsRepository } from './notifications.repository';
import { NoticeAudiencesRepository } from './notice-audiences.repository';

/** The notifications outbox and its sender (the outside world: replace NotificationSender in tests). */
@Global()
@Module({
  controllers: [InboxController],
  providers: [
    NotificationsService,
    NotificationListeners,
    InboxService,
    NoticeRecipientSealer,
    NotificationsRepository,
    NoticeAudiencesRepository,
    {
      // Pluggable: the SMS / e-mail gateway when configured, else the log (tests replace the provider).
      provide: NotificationSender,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => (config.notificationWebhookUrl ? new WebhookNotificationSender(config.notificationWebhookUrl) : new LoggingNotificationSender()),
    },
  ],
  exports: [NotificationsService, NoticeRecipientSealer],
})
export class NotificationsModule {}
