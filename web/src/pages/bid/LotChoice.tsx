import { Select, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '@/api/client';
import type { MyBidSummary, Tender } from '@/api/types';
import { yuan } from '@/lib/labels';
import { lotLabel } from './lots';

/**
 * The 标段 choice of the bid page (a tender with lots only): a Select labelled 标段 whose options are the tender's lots,
 * each marked when the bidder has a live bid on it (asked again when `refreshKey` changes). Choosing a lot puts it in the address (`?lot=`); the page is then
 * that lot's: its security sub-account, its own bid and receipt, its submission and withdrawal. `disabled` while
 * sealing, or while a key not yet downloaded (or an upload to resume) would be lost by leaving the lot.
 */
export function LotChoice({
  tender,
  lotNo,
  disabled,
  reason,
  refreshKey,
}: {
  tender: Tender;
  lotNo: number;
  disabled?: boolean;
  reason?: string;
  /** Changes when the page's own bid changes (submitted, replaced, withdrawn): the marks are asked again. */
  refreshKey?: string;
}) {
  const [, setParams] = useSearchParams();
  const [bidLots, setBidLots] = useState<Set<number>>(new Set());

  useEffect(() => {
    let stop = false;
    void api
      .get<{ items: MyBidSummary[]; total: number }>('/bids/mine', { query: { tenderId: tender.id, pageSize: 100 } })
      .then((r) => !stop && setBidLots(new Set(r.items.filter((b) => b.status === 'SUBMITTED').map((b) => b.lotNo ?? 1))))
      .catch(() => undefined); // the marks only
    return () => {
      stop = true;
    };
  }, [tender.id, lotNo, refreshKey]);

  const lot = tender.lots.find((l) => l.lotNo === lotNo);
  return (
    <Space wrap align="center">
      <label htmlFor="bid-lot-choice">
        <Typography.Text strong>标段</Typography.Text>
      </label>
      <Select
        id="bid-lot-choice"
        aria-label="标段"
        value={lotNo}
        disabled={disabled}
        style={{ minWidth: 320 }}
        onChange={(n: number) => setParams((p) => (p.set('lot', String(n)), p))}
        options={tender.lots.map((l) => ({ value: l.lotNo, label: `${lotLabel(l)}${bidLots.has(l.lotNo) ? '（已投标）' : ''}` }))}
      />
      {lot && <Typography.Text type="secondary">标段预算 {yuan(lot.budget)}；每个标段单独递交投标文件、单独缴纳保证金。</Typography.Text>}
      {bidLots.has(lotNo) && <Tag color="green">本标段已投标</Tag>}
      {disabled && reason && <Typography.Text type="warning">{reason}</Typography.Text>}
    </Space>
  );
}
