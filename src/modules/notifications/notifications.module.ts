import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationEntity } from './notification.entity';
import { LoggingNotificationSender, NotificationSender } from './notification-sender';
import { NotificationsService } from './notifications.service';
import { NotificationListeners } from './notification-listeners';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';

/** The notifications outbox and its sender (the outside world: replace NotificationSender in tests). */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([NotificationEntity])],
  controllers: [InboxController],
  providers: [NotificationsService, NotificationListeners, InboxService, { provide: NotificationSender, useClass: LoggingNotificationSender }],
  exports: [NotificationsService],
})
export class NotificationsModule {}
