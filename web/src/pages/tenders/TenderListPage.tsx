import { Alert, Card, Input, Select, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '@/api/client';
import { errorText } from '@/api/errors';
import type { Paged, Tender } from '@/api/types';
import { useAuth } from '@/auth/AuthContext';
import { TenderStatusTag } from '@/components/StatusTag';
import { CATEGORY, label, REGIME, TENDER_STATUS, yuan } from '@/lib/labels';
import { formatBeijing } from '@/lib/time';

const options = (m: Record<string, string>, omit: string[] = []) =>
  Object.entries(m)
    .filter(([k]) => !omit.includes(k))
    .map(([value, text]) => ({ value, label: text }));

/** /tenders — the public list: search (搜索项目), filters (category, regime, status), paged. State in the URL. */
export default function TenderListPage() {
  const { me } = useAuth();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const pageSize = Number(params.get('pageSize') ?? '20') || 20;
  const category = params.get('category') ?? undefined;
  const regime = params.get('regime') ?? undefined;
  const status = params.get('status') ?? undefined;
  const mine = params.get('mine') === 'true';
  const [data, setData] = useState<Paged<Tender> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState(q);

  useEffect(() => setSearch(q), [q]);
  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    api
      .get<Paged<Tender>>('/tenders', { query: { q, page, pageSize, category, regime, status, mine: mine || undefined }, signal: ctrl.signal })
      .then(setData)
      .catch((e) => (e as Error).name !== 'AbortError' && setError(errorText(e)));
    return () => ctrl.abort();
  }, [q, page, pageSize, category, regime, status, mine]);

  const update = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) v ? next.set(k, v) : next.delete(k);
    if (!('page' in patch)) next.delete('page');
    setParams(next);
  };

  return (
    <>
      <Typography.Title level={2}>招标项目</Typography.Title>
      <Card size="small" style={{ marginBottom: 16 }}>
        <Space wrap size="middle" className="filters">
          <Input.Search
            type="search"
            aria-label="搜索项目"
            placeholder="项目名称关键词"
            allowClear
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            onSearch={(v) => update({ q: v.trim() || undefined })}
            style={{ width: 260, maxWidth: '100%' }}
          />
          <Select
            aria-label="项目类别"
            placeholder="项目类别"
            allowClear
            value={category}
            options={options(CATEGORY)}
            onChange={(v) => update({ category: v })}
            style={{ width: 180 }}
          />
          <Select aria-label="适用法规" placeholder="适用法规" allowClear value={regime} options={options(REGIME)} onChange={(v) => update({ regime: v })} style={{ width: 200 }} />
          <Select
            aria-label="项目状态"
            placeholder="项目状态"
            allowClear
            value={status}
            options={options(TENDER_STATUS, me?.role === 'PROCURING_ENTITY' ? [] : ['DRAFT'])}
            onChange={(v) => update({ status: v })}
            style={{ width: 160 }}
          />
          {me?.role === 'PROCURING_ENTITY' && (
            <Select
              aria-label="范围"
              value={mine ? 'mine' : 'all'}
              options={[
                { value: 'all', label: '全部公开项目' },
                { value: 'mine', label: '我的项目（含草稿）' },
              ]}
              onChange={(v) => update({ mine: v === 'mine' ? 'true' : undefined })}
              style={{ width: 180 }}
            />
          )}
        </Space>
      </Card>
      {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} />}
      <Table<Tender>
        aria-label="招标项目列表"
        rowKey="id"
        loading={!data && !error}
        dataSource={data?.items ?? []}
        scroll={{ x: 'max-content' }}
        pagination={{
          current: page,
          pageSize,
          total: data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (t) => `共 ${t} 个项目`,
          onChange: (p, s) => update({ page: String(p), pageSize: s === 20 ? undefined : String(s) }),
        }}
        columns={[
          { title: '项目名称', dataIndex: 'title', render: (t: string, r) => <Link to={`/tenders/${r.id}`}>{t}</Link> },
          { title: '类别', dataIndex: 'category', render: (c: string) => label(CATEGORY, c), responsive: ['md'] },
          { title: '预算（元）', dataIndex: 'budget', render: (b: string) => yuan(b), align: 'right', responsive: ['lg'] },
          { title: '投标截止（北京时间）', dataIndex: 'bidDeadline', render: (d: string) => formatBeijing(d), responsive: ['sm'] },
          { title: '状态', dataIndex: 'status', render: (s: string, r) => <TenderStatusTag status={s} suspended={r.suspended} /> },
        ]}
      />
    </>
  );
}
