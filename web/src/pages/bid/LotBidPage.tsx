import BidPage from './BidPage';
import { useLotParam } from './lots';

/**
 * /tenders/<id>/bid: the bid page, one lot (标段) at a time. Keyed by the address's `?lot=`, so choosing another lot
 * loads that lot's own security, bid and receipt from scratch (nothing of the previous lot's form or receipt stays).
 * A tender without lots has no `lot`: the page is exactly the single bid page.
 */
export default function LotBidPage() {
  const lot = useLotParam();
  return <BidPage key={lot ?? 0} />;
}
