import { Button, Select, Space, Tag } from 'antd';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '@/api/client';
import type { CaseStatus, CaseSubject, SupervisionCase } from '@/api/oversight-types';
import type { Paged } from '@/api/types';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { DataTable } from '@/components/oversight/DataTable';
import { Title } from '@/components/oversight/Typo';
import { CASE_STATUS_COLOR, CASE_STATUS_TEXT } from '@/lib/oversight-text';
import { formatBeijing } from '@/lib/time';

const STEPS: CaseStatus[] = ['OPEN', 'INVESTIGATING', 'DECIDED', 'CLOSED'];

/** The case drawer (forms, steps, penalties) loads when a case is opened. */
const CaseDrawer = lazy(() => import('./CaseDrawer'));

/** The supervision cases (监督案件), newest first, and the drawer in which one is worked to a decision. */
export function CasesSection({ version, titles }: { version: number; titles: Record<string, string> }) {
  const [cases, setCases] = useState<Paged<SupervisionCase> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<CaseStatus | ''>('');
  const [working, setWorking] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setCases(await api.get<Paged<SupervisionCase>>('/supervision/cases', { query: { page, pageSize: 10, status } }));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [page, status]);
  useEffect(() => {
    void load();
  }, [load, version]);

  return (
    <section aria-label="监督案件" style={{ marginTop: 24 }}>
      <Space align="baseline" wrap>
        <Title level={3} style={{ margin: 0 }}>
          监督案件
        </Title>
        <Select<CaseStatus | ''>
          aria-label="案件状态"
          style={{ width: 160 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={[{ value: '', label: '全部状态' }, ...STEPS.map((s) => ({ value: s, label: CASE_STATUS_TEXT[s] }))]}
        />
      </Space>
      <ApiErrorAlert error={error} />
      <DataTable<SupervisionCase>
        aria-label="监督案件列表"
        rowKey="id"
        style={{ marginTop: 12 }}
        dataSource={cases?.items ?? []}
        loading={cases === null && !error}
        fixed
        emptyText={'暂无案件'}
        pagination={{ current: page, pageSize: 10, total: cases?.total ?? 0, onChange: setPage }}
        columns={[
          { title: '立案时间', dataIndex: 'openedAt', width: 170, render: (d: string) => formatBeijing(d) },
          { title: '项目', dataIndex: 'tenderId', width: 200, render: (id: string) => <Link to={`/tenders/${id}`}>{titles[id] ?? id.slice(0, 8)}</Link> },
          { title: '案由', dataIndex: 'summary', ellipsis: true },
          { title: '调查对象', dataIndex: 'subjects', width: 240, render: (s: CaseSubject[]) => s.map((x) => x.name).join('、') },
          { title: '状态', dataIndex: 'status', width: 130, render: (s: CaseStatus) => <Tag color={CASE_STATUS_COLOR[s]}>{CASE_STATUS_TEXT[s]}</Tag> },
          {
            title: '操作',
            key: 'actions',
            width: 90,
            render: (_: unknown, c) => (
              <Button size="small" onClick={() => setWorking(c.id)}>
                {c.status === 'CLOSED' ? '查看' : '办理'}
              </Button>
            ),
          },
        ]}
      />
      {working && (
        <Suspense fallback={null}>
          <CaseDrawer
            caseId={working}
            title={titles}
            onClose={() => {
              setWorking(null);
              void load();
            }}
          />
        </Suspense>
      )}
    </section>
  );
}
