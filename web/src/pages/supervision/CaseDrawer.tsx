import { Alert, App, Button, Descriptions, Drawer, Form, Input, InputNumber, Select, Space, Steps, Tag } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '@/api/client';
import type { CaseStatus, Penalty, PenaltyGround, PenaltyType, SupervisionCase } from '@/api/oversight-types';
import { DataTable } from '@/components/oversight/DataTable';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { Paragraph, Text, Title } from '@/components/oversight/Typo';
import { formatYuan } from '@/lib/oversight-format';
import { CASE_STATUS_COLOR, CASE_STATUS_TEXT, flagCodeText, PENALTY_GROUND_TEXT, PENALTY_TYPE_TEXT } from '@/lib/oversight-text';
import { formatBeijing } from '@/lib/time';

const STEPS: CaseStatus[] = ['OPEN', 'INVESTIGATING', 'DECIDED', 'CLOSED'];

interface PenaltyDraft {
  subject: string;
  type: PenaltyType;
  ground: PenaltyGround;
  fineAmount?: string;
  debarmentMonths?: number;
}

interface DecisionForm {
  findings: string;
  penalties: PenaltyDraft[];
}

/**
 * One case, worked along OPEN → INVESTIGATING → DECIDED → CLOSED (PATCH /supervision/cases/{id}). The decision
 * carries the findings and the penalties within the law's ranges (TBL Arts. 53–54, TBR Arts. 67–68, 71; GPL Art.
 * 77): the server checks them (a penalty outside the range is a 400 with the range in its details, shown here).
 */
export default function CaseDrawer({ caseId, title, onClose }: { caseId: string; title: Record<string, string>; onClose: () => void }) {
  const { message } = App.useApp();
  const [c, setC] = useState<SupervisionCase | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<DecisionForm>();

  const load = useCallback(async () => {
    try {
      setC(await api.get<SupervisionCase>(`/supervision/cases/${caseId}`));
    } catch (e) {
      setError(e);
    }
  }, [caseId]);
  useEffect(() => {
    void load();
  }, [load]);

  const patch = async (body: Record<string, unknown>, done: string) => {
    setBusy(true);
    setError(null);
    try {
      setC(await api.patch<SupervisionCase>(`/supervision/cases/${caseId}`, body));
      message.success(done);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const decide = async () => {
    const v = await form.validateFields().catch(() => null); // the form shows what is missing
    if (!v) return;
    await patch(
      {
        status: 'DECIDED',
        findings: v.findings.trim(),
        penalties: (v.penalties ?? []).map((p) => ({
          ...(p.subject.startsWith('org:') ? { organizationId: p.subject.slice(4) } : { expertId: p.subject.slice(4) }),
          type: p.type,
          ground: p.ground,
          ...(p.type === 'FINE' ? { fineAmount: p.fineAmount } : {}),
          ...(p.type === 'DEBARMENT' ? { debarmentMonths: p.debarmentMonths } : {}),
        })),
      },
      '已作出处理决定',
    );
  };

  const dismiss = async () => {
    const v = await form.validateFields(['findings']).catch(() => null); // the form shows what is missing
    if (!v) return;
    await patch({ status: 'CLOSED', findings: v.findings.trim() }, '已撤销案件并结案');
  };

  const subjects = (c?.subjects ?? []).map((s) => ({
    value: s.organizationId ? `org:${s.organizationId}` : `exp:${s.expertId}`,
    label: s.name,
    expert: !!s.expertId,
  }));
  const name = (p: Penalty) => c?.subjects.find((s) => s.organizationId === p.organizationId || (p.expertId && s.expertId === p.expertId))?.name ?? '—';

  return (
    <Drawer open size={720} title={c ? `监督案件：${title[c.tenderId] ?? c.tenderId.slice(0, 8)}` : '监督案件'} onClose={onClose} destroyOnHidden>
      <ApiErrorAlert
        error={error}
        onClose={() => setError(null)}
        fields={{ status: '案件状态', findings: '调查结论', penalties: '处罚', 'penalties.0': '第1项处罚', organizationId: '调查对象', expertId: '调查对象' }}
      />
      {c && (
        <>
          <Steps size="small" current={STEPS.indexOf(c.status)} items={STEPS.map((s) => ({ title: CASE_STATUS_TEXT[s] }))} style={{ marginBottom: 16 }} />
          <Descriptions size="small" column={1} bordered styles={{ label: { width: 120 } }}>
            <Descriptions.Item label="案件状态">
              <Tag color={CASE_STATUS_COLOR[c.status]}>{CASE_STATUS_TEXT[c.status]}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label="案由">{c.summary}</Descriptions.Item>
            <Descriptions.Item label="所依据的预警">{c.flagCodes.map(flagCodeText).join('、')}</Descriptions.Item>
            <Descriptions.Item label="调查对象">{c.subjects.map((s) => s.name).join('、')}</Descriptions.Item>
            <Descriptions.Item label="立案时间">{formatBeijing(c.openedAt)}</Descriptions.Item>
            {c.findings && <Descriptions.Item label="调查结论">{c.findings}</Descriptions.Item>}
            {c.decidedAt && <Descriptions.Item label="决定时间">{formatBeijing(c.decidedAt)}</Descriptions.Item>}
            {c.closedAt && <Descriptions.Item label="结案时间">{formatBeijing(c.closedAt)}</Descriptions.Item>}
          </Descriptions>

          <Title level={5} style={{ marginTop: 16 }}>
            证据（立案时的预警）
          </Title>
          <ul style={{ paddingInlineStart: 20 }}>
            {c.evidence.map((f) => (
              <li key={f.id}>
                {flagCodeText(f.code)}：{f.bidders.map((b) => b.name).join('、')}（{f.legalBasis}）
              </li>
            ))}
          </ul>

          {c.penalties.length > 0 && (
            <DataTable<Penalty>
              aria-label="处罚决定"
              size="small"
              rowKey="id"
              dataSource={c.penalties}
              fixed
              columns={[
                { title: '对象', key: 'who', render: (_: unknown, p) => name(p) },
                { title: '处罚', dataIndex: 'type', render: (t: PenaltyType) => PENALTY_TYPE_TEXT[t] },
                { title: '违法事实', dataIndex: 'ground', render: (g: PenaltyGround) => PENALTY_GROUND_TEXT[g] },
                {
                  title: '内容',
                  key: 'what',
                  render: (_: unknown, p) =>
                    p.type === 'FINE'
                      ? `${formatYuan(p.fineAmount)} 元`
                      : p.type === 'DEBARMENT'
                        ? `${p.debarmentMonths} 个月（至 ${formatBeijing(p.effectiveUntil).slice(0, 10)}）`
                        : '—',
                },
                { title: '法律依据', dataIndex: 'legalBasis', width: 220 },
              ]}
            />
          )}

          {c.status === 'OPEN' && (
            <Space style={{ marginTop: 16 }} wrap>
              <Button type="primary" loading={busy} onClick={() => patch({ status: 'INVESTIGATING' }, '已开始调查')}>
                开始调查
              </Button>
            </Space>
          )}
          {(c.status === 'OPEN' || c.status === 'INVESTIGATING') && (
            <Form<DecisionForm> name="caseDecision" form={form} layout="vertical" style={{ marginTop: 16 }} initialValues={{ penalties: [] }}>
              <Form.Item label="调查结论" name="findings" rules={[{ required: true, whitespace: true, message: '作出决定或撤销案件须写明调查结论' }]}>
                <Input.TextArea rows={4} maxLength={20000} placeholder="查明的事实、证据和认定" />
              </Form.Item>
              {c.status === 'INVESTIGATING' && (
                <Form.List name="penalties">
                  {(fields, { add, remove }) => (
                    <>
                      <Text strong>处罚</Text>
                      <Paragraph type="secondary" style={{ marginBottom: 8 }}>
                        串通投标：处中标项目金额千分之五以上千分之十以下罚款（《招标投标法》第五十三条）；情节严重的取消其1年至2年内参加依法必须进行招标的项目的投标资格（《招标投标法实施条例》第六十七条）。
                      </Paragraph>
                      {fields.map((field, i) => (
                        <PenaltyRow key={field.key} index={i} name={field.name} subjects={subjects} onRemove={() => remove(field.name)} />
                      ))}
                      <Button
                        onClick={() => {
                          // the next subject without a penalty yet; a company by default debarred for collusion (TBR Art. 67)
                          const used = new Set(((form.getFieldValue('penalties') ?? []) as PenaltyDraft[]).map((p) => p.subject));
                          const next = subjects.find((s) => !used.has(s.value)) ?? subjects[0];
                          add(
                            next?.expert
                              ? { subject: next.value, type: 'WARNING', ground: 'EVALUATOR_MISCONDUCT' }
                              : { subject: next?.value, type: 'DEBARMENT', ground: 'COLLUSION', debarmentMonths: 12 },
                          );
                        }}
                      >
                        添加处罚
                      </Button>
                    </>
                  )}
                </Form.List>
              )}
              <Space style={{ marginTop: 16 }} wrap>
                {c.status === 'INVESTIGATING' && (
                  <Button type="primary" danger loading={busy} onClick={decide}>
                    作出处理决定
                  </Button>
                )}
                <Button loading={busy} onClick={dismiss}>
                  撤销案件并结案
                </Button>
              </Space>
            </Form>
          )}
          {c.status === 'DECIDED' && (
            <Space style={{ marginTop: 16 }} orientation="vertical">
              <Alert type="info" showIcon title="处理决定已作出；处罚已记入不良行为记录，取消投标资格的单位在期限内不能投标。" />
              <Button type="primary" loading={busy} onClick={() => patch({ status: 'CLOSED' }, '已结案')}>
                结案
              </Button>
            </Space>
          )}
        </>
      )}
    </Drawer>
  );
}

function PenaltyRow({
  index,
  name,
  subjects,
  onRemove,
}: {
  index: number;
  name: number;
  subjects: Array<{ value: string; label: string; expert: boolean }>;
  onRemove: () => void;
}) {
  const form = Form.useFormInstance<DecisionForm>();
  const type = Form.useWatch(['penalties', name, 'type'], form) as PenaltyType | undefined;
  const subject = Form.useWatch(['penalties', name, 'subject'], form) as string | undefined;
  const expert = subject?.startsWith('exp:');
  const types: PenaltyType[] = expert ? ['WARNING', 'DISQUALIFICATION'] : ['WARNING', 'FINE', 'DEBARMENT'];
  const grounds: PenaltyGround[] = expert ? ['EVALUATOR_MISCONDUCT'] : ['COLLUSION', 'BIDDING_UNDER_ANOTHER_NAME'];
  return (
    <div role="group" aria-label={`第${index + 1}项处罚`} style={{ border: '1px solid #f0f0f0', borderRadius: 4, padding: 12, marginBottom: 8 }}>
      <Space wrap align="start">
        <Form.Item label="处罚对象" name={[name, 'subject']} rules={[{ required: true }]} style={{ marginBottom: 0 }}>
          <Select style={{ width: 220 }} options={subjects.map(({ value, label }) => ({ value, label }))} />
        </Form.Item>
        <Form.Item label="处罚种类" name={[name, 'type']} rules={[{ required: true }]} style={{ marginBottom: 0 }}>
          <Select style={{ width: 160 }} options={types.map((t) => ({ value: t, label: PENALTY_TYPE_TEXT[t] }))} />
        </Form.Item>
        <Form.Item label="违法事实" name={[name, 'ground']} rules={[{ required: true }]} style={{ marginBottom: 0 }}>
          <Select style={{ width: 160 }} options={grounds.map((g) => ({ value: g, label: PENALTY_GROUND_TEXT[g] }))} />
        </Form.Item>
        {type === 'FINE' && (
          <Form.Item
            label="罚款金额（元）"
            name={[name, 'fineAmount']}
            rules={[{ required: true, pattern: /^\d+(\.\d{1,2})?$/, message: '金额最多两位小数' }]}
            style={{ marginBottom: 0 }}
          >
            <Input style={{ width: 160 }} />
          </Form.Item>
        )}
        {type === 'DEBARMENT' && (
          <Form.Item label="取消资格期限（月）" name={[name, 'debarmentMonths']} rules={[{ required: true, type: 'integer', min: 1, max: 120 }]} style={{ marginBottom: 0 }}>
            <InputNumber min={1} max={120} precision={0} style={{ width: 120 }} />
          </Form.Item>
        )}
        <Button type="link" danger onClick={onRemove} style={{ marginTop: 30 }}>
          删除
        </Button>
      </Space>
    </div>
  );
}
