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
    // The message id and topic only: the body may name a tender, and a recipient in the log beside a notice of a
    // tender before its deadline would name a prospective bidder (TBL Art. 22; the row itself is sealed, issue 17).
    this.logger.log({ msg: 'notification delivered', id: n.id, topic: n.topic });
  }
}

/**
 * An SMS / e-mail gateway reached over HTTP (NOTIFICATION_WEBHOOK_URL): one JSON POST per message, with the message
 * id as `Idempotency-Key` (a retried message is the same message to the gateway). Anything but a 2xx answer, or no
 * answer within 10 s, throws: the outbox keeps the message PENDING and tries again (BullMQ retry, then the sweeper).
 */
export class WebhookNotificationSender extends NotificationSender {
  constructor(private readonly url: string) {
    super();
  }

  async send(n: OutgoingNotification): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': n.id },
      body: JSON.stringify(n),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`the notification gateway answered ${res.status}`);
  }
}
