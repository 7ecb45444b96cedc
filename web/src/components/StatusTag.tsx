import { Tag } from 'antd';
import { TENDER_STATUS, TENDER_STATUS_COLOR } from '@/lib/labels';

export function TenderStatusTag({ status, suspended }: { status: string; suspended?: boolean }) {
  return (
    <>
      <Tag color={TENDER_STATUS_COLOR[status] ?? 'default'}>{TENDER_STATUS[status] ?? status}</Tag>
      {suspended && <Tag color="warning">暂停（异议处理中）</Tag>}
    </>
  );
}
