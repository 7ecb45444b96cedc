import { App, Button, Checkbox, Empty, Form, Input, Modal, Space, Tag } from 'antd';
import { Paragraph, Text, Title } from '@/components/oversight/Typo';
import { DataTable } from '@/components/oversight/DataTable';
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '@/api/client';
import type { Assignment } from '@/api/oversight-types';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { ASSIGNMENT_STATUS_COLOR, ASSIGNMENT_STATUS_TEXT } from '@/lib/oversight-text';
import { formatBeijing } from '@/lib/time';
import { isValidUscc } from '@shared/common/uscc';
import { ScoringSheet } from './ScoringSheet';
import { withAntdApp } from '@/components/oversight/AntdAppScope';

/**
 * /expert — 评标专家 (UI.md): the assignments with `接受` / `拒绝`, and per tender the scoring sheet (ScoringSheet)
 * with `合格` / `不合格`, the factor scores and `签名提交`. The tender being scored is in the address (?tender=<id>),
 * so the sheet survives a reload.
 */
function ExpertPage() {
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const selected = params.get('tender');
  const [rows, setRows] = useState<Assignment[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [declining, setDeclining] = useState<Assignment | null>(null);

  const load = useCallback(async () => {
    try {
      setRows(await api.get<Assignment[]>('/expert/assignments'));
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const accept = async (a: Assignment) => {
    setBusy(a.id);
    setError(null);
    try {
      await api.post(`/expert/assignments/${a.id}/accept`);
      message.success(`已接受「${a.tenderTitle}」的评标邀请`);
      await load();
      setParams({ tender: a.tenderId });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const open = rows?.filter((r) => r.status === 'INVITED').length ?? 0;
  const current = rows?.find((r) => r.tenderId === selected && (r.status === 'ACCEPTED' || r.status === 'COMPLETED'));

  return (
    <>
      <Title level={2}>评标任务</Title>
      <Paragraph type="secondary">
        评标专家应当客观、公正地履行职责，遵守职业道德，对所提出的评审意见承担个人责任（《招标投标法》第四十四条）。
        与投标人有利害关系的，应当主动回避（《招标投标法实施条例》第四十六条）。
        {open > 0 && <Text strong>您有 {open} 个评标邀请待确认。</Text>}
      </Paragraph>
      <ApiErrorAlert error={error} onClose={() => setError(null)} />
      <DataTable<Assignment>
        aria-label="评标任务列表"
        rowKey="id"
        loading={rows === null && !error}
        dataSource={rows ?? []}
        emptyText={<Empty description="暂无评标任务" />}
        columns={[
          { title: '项目名称', dataIndex: 'tenderTitle', render: (t: string) => <Text strong>{t}</Text> },
          { title: '专业', dataIndex: 'specialty', render: (s: string | null) => s ?? '—' },
          {
            title: '状态',
            dataIndex: 'status',
            render: (s: Assignment['status']) => <Tag color={ASSIGNMENT_STATUS_COLOR[s]}>{ASSIGNMENT_STATUS_TEXT[s] ?? s}</Tag>,
          },
          { title: '确认截止（北京时间）', dataIndex: 'respondBy', render: (d: string | null) => formatBeijing(d) },
          {
            title: '操作',
            key: 'actions',
            render: (_: unknown, a) =>
              a.status === 'INVITED' ? (
                <Space>
                  <Button type="primary" size="small" loading={busy === a.id} onClick={() => accept(a)}>
                    接受
                  </Button>
                  <Button size="small" danger disabled={busy === a.id} onClick={() => setDeclining(a)}>
                    拒绝
                  </Button>
                </Space>
              ) : a.status === 'ACCEPTED' || a.status === 'COMPLETED' ? (
                <Button size="small" type={a.tenderId === selected ? 'primary' : 'default'} onClick={() => setParams({ tender: a.tenderId })}>
                  {a.status === 'ACCEPTED' ? '进入评标' : '查看评审'}
                </Button>
              ) : null,
          },
        ]}
      />
      {declining && (
        <DeclineModal
          assignment={declining}
          onClose={() => setDeclining(null)}
          onDone={async () => {
            setDeclining(null);
            message.info('已拒绝，系统将按同样规则另行抽取专家');
            await load();
          }}
        />
      )}
      {current && <ScoringSheet key={current.tenderId} tenderId={current.tenderId} onSigned={load} />}
    </>
  );
}

interface DeclineForm {
  reason?: string;
  recuse?: boolean;
  uscc?: string;
  conflictReason?: string;
}

/** 拒绝 with an optional recusal (回避): the conflict is recorded in the expert's profile (TBR Art. 46). */
function DeclineModal({ assignment, onClose, onDone }: { assignment: Assignment; onClose: () => void; onDone: () => void }) {
  const [form] = Form.useForm<DeclineForm>();
  const recuse = Form.useWatch('recuse', form);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null); // the form shows what is missing
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(`/expert/assignments/${assignment.id}/decline`, {
        ...(v.reason?.trim() ? { reason: v.reason.trim() } : {}),
        ...(v.recuse ? { conflict: { uscc: v.uscc!.trim().toUpperCase(), reason: v.conflictReason!.trim() } } : {}),
      });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={`拒绝评标邀请：${assignment.tenderTitle}`}
      okText="确认拒绝"
      okButtonProps={{ danger: true, loading: busy }}
      cancelText="取消"
      onOk={submit}
      onCancel={onClose}
    >
      <ApiErrorAlert error={error} fields={{ reason: '拒绝原因', 'conflict.uscc': '统一社会信用代码', 'conflict.reason': '回避事由' }} />
      <Form name="decline" form={form} layout="vertical">
        <Form.Item label="拒绝原因" name="reason">
          <Input.TextArea rows={2} maxLength={500} placeholder="如：时间冲突" />
        </Form.Item>
        <Form.Item name="recuse" valuePropName="checked">
          <Checkbox>与招标人或投标人存在利害关系，申请回避</Checkbox>
        </Form.Item>
        {recuse && (
          <>
            <Form.Item
              label="利害关系单位的统一社会信用代码"
              name="uscc"
              rules={[
                {
                  required: true,
                  validator: (_, v: string) => (v && isValidUscc(v.trim().toUpperCase()) ? Promise.resolve() : Promise.reject(new Error('请输入有效的18位统一社会信用代码'))),
                },
              ]}
            >
              <Input maxLength={18} />
            </Form.Item>
            <Form.Item label="回避事由" name="conflictReason" rules={[{ required: true, whitespace: true, message: '请说明回避事由' }]}>
              <Input.TextArea rows={2} maxLength={500} placeholder="如：配偶在该单位任项目经理" />
            </Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}

export default withAntdApp(ExpertPage);
