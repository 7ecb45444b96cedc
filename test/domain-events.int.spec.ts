/**
 * The platform's handlers as the real AppModule discovers them at boot: every domain event, timed event and job
 * has its handlers (the boot would stop otherwise), and the deadline runs them in the order the law needs.
 */
import { DOMAIN_EVENT_NAMES, DomainEvents } from 'src/common/events/domain-events';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('domain events of the real application', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workers: true });
  });
  afterAll(async () => t?.close());

  it('every event has a handler', () => {
    const events = t.app.get(DomainEvents);
    expect(DOMAIN_EVENT_NAMES.filter((n) => events.handlersOf(n).length === 0)).toEqual([]);
  });

  it('at the deadline: the identities are unsealed first (TBL Art. 22 ends), then the opening (TBL Art. 34), then the audit heads are signed', () => {
    const order = t.app.get(DomainEvents).handlersOf('BidDeadlineReached');
    const unseal = [
      'BidSecurityService.unsealAtDeadline',
      'BlindIndexAudit.onBidDeadlineReached',
      'ComplaintsService.onBidDeadlineReached',
      'NotificationsService.onBidDeadlineReached',
      'TenderDocumentsService.onBidDeadlineReached',
      'TenderObjectionsService.onBidDeadlineReached',
    ];
    expect(order.slice(0, unseal.length).sort()).toEqual(unseal);
    expect(order.slice(unseal.length)).toEqual(['OpeningService.onBidDeadlineReached', 'AuditHeadsService.signAtOpening']);
  });

  it('a cancellation is one event: the panel is released, the window close dropped, the securities refunded and the sealed identities planned to open at the deadline', () => {
    expect(t.app.get(DomainEvents).handlersOf('TenderCancelled').sort()).toEqual([
      'BidSecuritySettlement.onTenderCancelled',
      'EndedTenderUnsealing.onTenderCancelled',
      'ExpertDrawService.onTenderCancelled',
      'OpeningService.onTenderCancelled',
    ]);
  });
});
