import { Injectable, Logger } from '@nestjs/common';

export interface OutgoingNotification {
  id: string;
  recipientUserId: string | null;
  recipientOrganizationId: string | null;
  tenderId: string | null;
  topic: string;
  subject: string;
  body: string;
}

/** The outside world (an e-mail/SMS gateway). Tests replace it; never PostgreSQL or Redis. */
export abstract class NotificationSender {
  abstract send(n: OutgoingNotification): Promise<void>;
}

/** The default sender: writes the message to the log (no gateway is configured in this deployment). */
@Injectable()
export class LoggingNotificationSender extends NotificationSender {
  private readonly logger = new Logger(LoggingNotificationSender.name);

  async send(n: OutgoingNotification): Promise<void> {
    // The recipient's id and the topic only: the body may name a tender a prospective bidder is interested in.
    this.logger.log({ msg: 'notification delivered', id: n.id, topic: n.topic, to: n.recipientUserId ?? n.recipientOrganizationId });
  }
}
