import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, Modal, Select, Space, Tag } from 'antd';
import { Paragraph, Text, Title } from '@/components/oversight/Typo';
import { DataTable, type SortOrder } from '@/components/oversight/DataTable';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '@/api/client';
import type { AuditVerdict, Flag, Severity, SupervisionCase } from '@/api/oversight-types';
import type { Paged } from '@/api/types';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { EVIDENCE_KEY_TEXT, FLAG_CODE_TEXT, flagCodeText, SEVERITY_COLOR, SEVERITY_RANK, SEVERITY_TEXT } from '@/lib/oversight-text';
import { formatBeijing } from '@/lib/time';
import { CasesSection } from './CasesSection';
import { withAntdApp } from '@/components/oversight/AntdAppScope';

const PAGE_SIZE = 20;

/**
 * /supervision — 监管 (UI.md): the collusion flags (串通投标预警: code, severity, bidders, evidence, legal basis) with a
 * filter by severity and sorting, `立案` to open a case from a flag, the cases worked to a decision (CasesSection),
 * the audit-chain check with its result, and the statistics page.
 */
function SupervisionPage() {
  const [severity, setSeverity] = useState<Severity | ''>('');
  const [code, setCode] = useState<string>('');
  const [page, setPage] = useState(1);
  const [flags, setFlags] = useState<Paged<Flag> | null>(null);
  const [titles, setTitles] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [sorter, setSorter] = useState<{ key: string; order: SortOrder } | null>({ key: 'severity', order: 'descend' });
  const [opening, setOpening] = useState<Flag | null>(null);
  const [casesVersion, setCasesVersion] = useState(0);

  const load = useCallback(async () => {
    setError(null);
    try {
      const res = await api.get<Paged<Flag>>('/supervision/flags', { query: { severity, code, page, pageSize: PAGE_SIZE } });
      setFlags(res);
      // the tenders' titles (public) for the flags of this page
      const ids = [...new Set(res.items.flatMap((f) => (f.tenderId ? [f.tenderId] : f.tenderIds)))];
      const missing = ids.filter((id) => !(id in titles));
      if (missing.length) {
        const got = await Promise.all(
          missing.map((id) =>
            api
              .get<{ title: string }>(`/tenders/${id}`)
              .then((t) => [id, t.title] as const)
              .catch(() => [id, id.slice(0, 8)] as const),
          ),
        );
        setTitles((old) => ({ ...old, ...Object.fromEntries(got) }));
      }
    } catch (e) {
      setError(e);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [severity, code, page]);
  useEffect(() => {
    void load();
  }, [load]);

  const sorted = [...(flags?.items ?? [])].sort((a, b) => {
    if (!sorter) return 0;
    const dir = sorter.order === 'ascend' ? 1 : -1;
    const v =
      sorter.key === 'severity'
        ? SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.computedAt.localeCompare(b.computedAt)
        : sorter.key === 'computedAt'
          ? a.computedAt.localeCompare(b.computedAt)
          : a.code.localeCompare(b.code);
    return v * dir;
  });

  return (
    <>
      <Space align="baseline" wrap style={{ justifyContent: 'space-between', width: '100%' }}>
        <Title level={2} style={{ margin: 0 }}>
          监管
        </Title>
        <Space wrap>
          <Link to="/statistics">统计年报</Link>
        </Space>
      </Space>
      <Paragraph type="secondary" style={{ marginTop: 8 }}>
        串通投标监测依据《招标投标法实施条例》第三十九条、第四十条所列情形自动比对开标后的投标数据；预警不等于认定，须经调查后依法作出处理决定。
      </Paragraph>

      <AuditCheck />

      <Title level={3} style={{ marginTop: 24 }}>
        串通投标预警
      </Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select<Severity | ''>
          aria-label="风险等级"
          style={{ width: 140 }}
          value={severity}
          onChange={(v) => {
            setSeverity(v);
            setPage(1);
          }}
          options={[
            { value: '', label: '全部风险等级' },
            { value: 'HIGH', label: '高风险' },
            { value: 'MEDIUM', label: '中风险' },
            { value: 'LOW', label: '低风险' },
          ]}
        />
        <Select<string>
          aria-label="预警类型"
          style={{ width: 260 }}
          value={code}
          showSearch={{ optionFilterProp: 'label' }}
          onChange={(v) => {
            setCode(v);
            setPage(1);
          }}
          options={[{ value: '', label: '全部预警类型' }, ...Object.entries(FLAG_CODE_TEXT).map(([value, label]) => ({ value, label }))]}
        />
        <Button onClick={() => void load()}>刷新</Button>
        {flags && <Text type="secondary">共 {flags.total} 条</Text>}
      </Space>
      <ApiErrorAlert error={error} />
      <DataTable<Flag>
        aria-label="串通投标预警"
        rowKey="id"
        size="middle"
        loading={flags === null && !error}
        dataSource={sorted}
        minWidth={1100}
        sort={sorter}
        onSort={setSorter}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: flags?.total ?? 0,
          onChange: setPage,
        }}
        expandable={{ render: (f) => <Evidence flag={f} /> }}
        columns={[
          {
            title: '预警类型',
            key: 'code',
            sortable: true,
            width: 210,
            render: (_: unknown, f) => (
              <div>
                <Text strong>{flagCodeText(f.code)}</Text>
                <br />
                <Text type="secondary" style={{ fontSize: 12 }}>
                  {f.code}
                </Text>
              </div>
            ),
          },
          {
            title: '风险等级',
            key: 'severity',
            width: 110,
            sortable: true,
            render: (_: unknown, f) => <Tag color={SEVERITY_COLOR[f.severity]}>{SEVERITY_TEXT[f.severity]}</Tag>,
          },
          {
            title: '项目',
            key: 'tender',
            render: (_: unknown, f) => {
              const ids = f.tenderId ? [f.tenderId] : f.tenderIds;
              return (
                <Space orientation="vertical" size={0}>
                  {ids.slice(0, 3).map((id) => (
                    <Link key={id} to={`/tenders/${id}`}>
                      {titles[id] ?? id.slice(0, 8)}
                    </Link>
                  ))}
                  {ids.length > 3 && <Text type="secondary">等 {ids.length} 个项目</Text>}
                </Space>
              );
            },
          },
          { title: '涉及投标人', key: 'bidders', render: (_: unknown, f) => (f.bidders.length ? f.bidders.map((b) => b.name).join('、') : '—') },
          { title: '法律依据', dataIndex: 'legalBasis', width: 260 },
          {
            title: '监测时间',
            key: 'computedAt',
            sortable: true,
            render: (_: unknown, f) => formatBeijing(f.computedAt),
          },
          {
            title: '操作',
            key: 'actions',
            render: (_: unknown, f) =>
              f.tenderId ? (
                <Button size="small" type="primary" danger onClick={() => setOpening(f)}>
                  立案
                </Button>
              ) : null,
          },
        ]}
      />
      {opening && (
        <OpenCaseModal
          flag={opening}
          siblings={(flags?.items ?? []).filter((f) => f.tenderId === opening.tenderId)}
          tenderTitle={titles[opening.tenderId!] ?? ''}
          onClose={() => setOpening(null)}
          onOpened={() => {
            setOpening(null);
            setCasesVersion((v) => v + 1);
          }}
        />
      )}
      <CasesSection version={casesVersion} titles={titles} />
    </>
  );
}

/** The evidence of a flag as label/value pairs (Chinese labels for the known keys), with the server's description. */
function Evidence({ flag }: { flag: Flag }) {
  const entries = Object.entries(flag.evidence ?? {});
  const names = Object.fromEntries(flag.bidders.map((b) => [b.organizationId, b.name]));
  return (
    <Descriptions size="small" column={1} bordered title={flag.name} style={{ maxWidth: 1000 }} styles={{ label: { width: 120 } }}>
      {entries.map(([k, v]) => (
        <Descriptions.Item key={k} label={EVIDENCE_KEY_TEXT[k] ?? k}>
          <span style={{ wordBreak: 'break-all' }}>{renderValue(v, names)}</span>
        </Descriptions.Item>
      ))}
      <Descriptions.Item label="法律依据">{flag.legalBasis}</Descriptions.Item>
    </Descriptions>
  );
}

/** Evidence values: organisations by name, known keys in Chinese, bid ids left out (they mean nothing to a reader). */
function renderValue(v: unknown, names: Record<string, string>, key?: string): ReactNode {
  if (v === null || v === undefined) return '—';
  if (key === 'organizationIds' && Array.isArray(v)) return v.map((id) => names[String(id)] ?? String(id).slice(0, 8)).join('、');
  if (Array.isArray(v)) {
    if (v.some((x) => x && typeof x === 'object')) {
      return (
        <ul style={{ margin: 0, paddingInlineStart: 18 }}>
          {v.map((x, i) => (
            <li key={i}>{renderValue(x, names)}</li>
          ))}
        </ul>
      );
    }
    return v.map((x) => renderValue(x, names)).join('、');
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const parts = Object.entries(o)
      .filter(([k]) => k !== 'bidIds' && k !== 'kind')
      .map(([k, x]) => {
        const label = k === 'value' && typeof o.kind === 'string' ? (EVIDENCE_KEY_TEXT[o.kind] ?? o.kind) : (EVIDENCE_KEY_TEXT[k] ?? k);
        return (
          <span key={k}>
            {label}：{renderValue(x, names, k)}
          </span>
        );
      });
    return <>{parts.flatMap((p, i) => (i ? ['；', p] : [p]))}</>;
  }
  return String(v);
}

/** GET /audit/verify: recomputes every hash chain (API.md "Audit") and says whether it is intact. */
function AuditCheck() {
  const [result, setResult] = useState<AuditVerdict | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [at, setAt] = useState<Date | null>(null);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.get<AuditVerdict>('/audit/verify'));
      setAt(new Date());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" title="审计链校验（留痕）">
      <Space align="start" wrap style={{ width: '100%' }}>
        <Button onClick={verify} loading={busy}>
          校验审计链
        </Button>
        <Text type="secondary">重新计算全部审计事件的哈希链（SHA-256），任何一条记录被修改、删除或调换顺序都会被发现。</Text>
      </Space>
      <div style={{ marginTop: 12 }}>
        <ApiErrorAlert error={error} />
        {result &&
          (result.valid ? (
            <Alert
              type="success"
              showIcon
              title="审计链完整，未发现篡改"
              description={
                <>
                  已校验 {result.events} 条事件、{result.streams} 条链；校验时间 {formatBeijing(at)}（北京时间）
                  <br />
                  <Text code style={{ wordBreak: 'break-all' }}>
                    头哈希 {result.headHash}
                  </Text>
                </>
              }
            />
          ) : (
            <Alert
              type="error"
              showIcon
              title="审计链校验失败：存在被篡改的记录"
              description={
                result.brokenAt && 'stream' in result.brokenAt
                  ? `链 ${result.brokenAt.stream} 第 ${result.brokenAt.streamSeq} 条：${result.brokenAt.reason}`
                  : '断点位于尚未开标项目的保密记录中，开标后显示具体位置'
              }
            />
          ))}
      </div>
    </Card>
  );
}

interface OpenCaseForm {
  flagCodes: string[];
  subjects: string[];
  summary: string;
}

/** 立案: POST /supervision/cases from a flag — its tender, the flags it rests on, the companies (and experts) named. */
function OpenCaseModal({ flag, siblings, tenderTitle, onClose, onOpened }: { flag: Flag; siblings: Flag[]; tenderTitle: string; onClose: () => void; onOpened: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<OpenCaseForm>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const codes = [...new Set([flag.code, ...siblings.map((s) => s.code)])];
  const subjects = [
    ...flag.bidders.map((b) => ({ value: `org:${b.organizationId}`, label: b.name })),
    ...flag.expertIds.map((id, i) => ({ value: `exp:${id}`, label: `评标专家 ${i + 1}` })),
  ];
  const submit = async () => {
    const v = await form.validateFields().catch(() => null); // the form shows what is missing
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      await api.post<SupervisionCase>('/supervision/cases', {
        tenderId: flag.tenderId,
        flagCodes: v.flagCodes,
        subjects: v.subjects.map((s) => (s.startsWith('org:') ? { organizationId: s.slice(4) } : { expertId: s.slice(4) })),
        summary: v.summary.trim(),
      });
      message.success('已立案');
      onOpened();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open width={640} title={`立案：${tenderTitle}`} okText="确认立案" cancelText="取消" okButtonProps={{ loading: busy }} onOk={submit} onCancel={onClose}>
      <ApiErrorAlert error={error} fields={{ flagCodes: '预警类型', subjects: '调查对象', summary: '案由' }} />
      <Form<OpenCaseForm>
        name="openCase"
        form={form}
        layout="vertical"
        initialValues={{
          flagCodes: [flag.code],
          subjects: subjects.map((s) => s.value),
          summary: `${flag.bidders.map((b) => b.name).join('、')}：${flagCodeText(flag.code)}（${flag.name}），涉嫌串通投标，立案调查。`,
        }}
      >
        <Form.Item label="所依据的预警" name="flagCodes" rules={[{ required: true, type: 'array', min: 1, message: '至少选择一项预警' }]}>
          <Checkbox.Group options={codes.map((c) => ({ value: c, label: flagCodeText(c) }))} />
        </Form.Item>
        <Form.Item label="调查对象" name="subjects" rules={[{ required: true, type: 'array', min: 1, message: '至少选择一个调查对象' }]}>
          <Checkbox.Group options={subjects} />
        </Form.Item>
        <Form.Item label="案由" name="summary" rules={[{ required: true, whitespace: true, message: '请写明案由' }]}>
          <Input.TextArea rows={3} maxLength={4000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default withAntdApp(SupervisionPage);
