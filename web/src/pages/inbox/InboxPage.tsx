import { Button, Space, Switch, Tag } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '@/api/client';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { DataTable } from '@/components/oversight/DataTable';
import { Paragraph, Title } from '@/components/oversight/Typo';
import { formatBeijing } from '@/lib/time';

interface InboxItem {
  id: string;
  topic: string;
  subject: string;
  body: string;
  tenderId: string | null;
  createdAt: string;
  readAt: string | null;
}
interface InboxPage {
  items: InboxItem[];
  total: number;
  unread: number;
}

const PAGE_SIZE = 20;

/**
 * /inbox — 站内信: the messages of the user and of its organisation (GET /inbox), newest first; a message is marked
 * read one by one (POST /inbox/{id}/read) or all at once (POST /inbox/read-all); a row expands to its text.
 */
function InboxPage() {
  const [data, setData] = useState<InboxPage | null>(null);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [page, setPage] = useState(1);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      setData(await api.get<InboxPage>('/inbox', { query: { page, pageSize: PAGE_SIZE, unread: unreadOnly ? 'true' : undefined } }));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [page, unreadOnly]);
  useEffect(() => void load(), [load]);

  const markRead = async (row: InboxItem) => {
    if (row.readAt) return;
    try {
      await api.post(`/inbox/${row.id}/read`);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <Space align="baseline" wrap style={{ justifyContent: 'space-between', width: '100%' }}>
        <Title level={2} style={{ margin: 0 }}>
          消息{data ? `（未读 ${data.unread}）` : ''}
        </Title>
        <Space>
          <Switch checked={unreadOnly} onChange={(v) => (setPage(1), setUnreadOnly(v))} aria-label="只看未读" /> 只看未读
          <Button onClick={async () => (await api.post('/inbox/read-all').catch(setError), load())} disabled={!data?.unread}>
            全部标为已读
          </Button>
        </Space>
      </Space>
      <ApiErrorAlert error={error} />
      <DataTable<InboxItem>
        aria-label="消息"
        rowKey="id"
        dataSource={data?.items ?? []}
        loading={!data && !error}
        emptyText="暂无消息"
        columns={[
          { title: '状态', key: 'read', width: 72, render: (_v, r) => (r.readAt ? <Tag>已读</Tag> : <Tag color="blue">未读</Tag>) },
          { title: '标题', dataIndex: 'subject' },
          { title: '项目', key: 'tender', width: 96, render: (_v, r) => (r.tenderId ? <Link to={`/tenders/${r.tenderId}`}>查看项目</Link> : '—') },
          { title: '时间（北京时间）', key: 'createdAt', width: 170, nowrap: true, render: (_v, r) => formatBeijing(r.createdAt) },
          {
            title: '操作',
            key: 'actions',
            width: 110,
            render: (_v, r) =>
              r.readAt ? null : (
                <Button size="small" onClick={() => void markRead(r)} aria-label={`标为已读：${r.subject}`}>
                  标为已读
                </Button>
              ),
          },
        ]}
        expandable={{ render: (r) => <Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{r.body}</Paragraph> }}
        pagination={data ? { current: page, pageSize: PAGE_SIZE, total: data.total, onChange: setPage } : false}
      />
    </>
  );
}

export default InboxPage;
