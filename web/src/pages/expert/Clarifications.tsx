import { App, Button, Form, Input, Select, Space, Tag } from 'antd';
import { Paragraph, Title } from '@/components/oversight/Typo';
import { DataTable } from '@/components/oversight/DataTable';
import { useState } from 'react';
import { api } from '@/api/client';
import type { Clarification, ClarificationKind, EvaluationBid } from '@/api/oversight-types';
import { serverNow } from '@/api/server-clock';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { CLARIFICATION_KIND_TEXT } from '@/lib/oversight-text';
import { formatBeijing } from '@/lib/time';

interface RequestForm {
  bidId: string;
  kind: ClarificationKind;
  item: string;
  question: string;
  minutes: number;
}

/** How long the bidder has to answer, from the server's clock (the deadline lies inside the evaluation). */
const ANSWER_WITHIN = [
  { value: 30, label: '30分钟' },
  { value: 60, label: '1小时' },
  { value: 120, label: '2小时' },
  { value: 240, label: '4小时' },
  { value: 1440, label: '1天' },
];

/**
 * 澄清、说明或补正 (TBR Art. 52; EB20 Art. 33): the committee asks a bidder in writing through the platform, with a
 * deadline; the bidder answers; the committee decides whether to accept the answer. A request still open blocks
 * signing until it is answered or expires (the server says CLARIFICATION_PENDING).
 */
export function Clarifications({
  tenderId,
  bids,
  items,
  curable,
  locked,
  onChange,
}: {
  tenderId: string;
  bids: EvaluationBid[];
  items: Clarification[];
  curable: boolean;
  locked: boolean;
  onChange: () => Promise<void> | void;
}) {
  const { message } = App.useApp();
  const [form] = Form.useForm<RequestForm>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(false);
  const name = (bidId: string) => bids.find((b) => b.bidId === bidId)?.bidderName ?? bidId;

  const submit = async (v: RequestForm) => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/tenders/${tenderId}/evaluation/clarifications`, {
        bidId: v.bidId,
        kind: v.kind,
        item: v.item.trim(),
        question: v.question.trim(),
        deadline: new Date(serverNow() + v.minutes * 60_000).toISOString(),
      });
      message.success('澄清要求已发出');
      form.resetFields();
      setOpen(false);
      await onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const decide = async (c: Clarification, accepted: boolean) => {
    setError(null);
    try {
      await api.post(`/tenders/${tenderId}/evaluation/clarifications/${c.id}/decision`, { accepted });
      await onChange();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section aria-label="澄清" style={{ marginTop: 24 }}>
      <Space align="baseline" wrap>
        <Title level={4} style={{ margin: 0 }}>
          澄清、说明或补正
        </Title>
        {!locked && (
          <Button size="small" onClick={() => setOpen((o) => !o)}>
            {open ? '收起' : '发起澄清'}
          </Button>
        )}
        <Button size="small" onClick={() => void onChange()}>
          刷新答复
        </Button>
      </Space>
      <Paragraph type="secondary" style={{ marginTop: 8 }}>
        澄清、说明应当以书面形式提出，不得超出投标文件的范围或者改变投标文件的实质性内容（《招标投标法实施条例》第五十二条）。
      </Paragraph>
      <ApiErrorAlert
        error={error}
        onClose={() => setError(null)}
        fields={{ bidId: '澄清对象', kind: '澄清类型', item: '涉及内容', question: '澄清问题', deadline: '答复截止时间' }}
      />
      {open && (
        <Form<RequestForm> name="clarification" form={form} layout="vertical" onFinish={submit} initialValues={{ kind: 'AMBIGUITY', minutes: 60 }} style={{ maxWidth: 720 }}>
          <Form.Item label="澄清对象" name="bidId" rules={[{ required: true, message: '请选择投标人' }]}>
            <Select options={bids.map((b) => ({ value: b.bidId, label: b.bidderName }))} />
          </Form.Item>
          <Form.Item label="澄清类型" name="kind" rules={[{ required: true }]}>
            <Select
              options={(Object.keys(CLARIFICATION_KIND_TEXT) as ClarificationKind[])
                .filter((k) => k !== 'CURABLE_DEFICIENCY' || curable)
                .map((k) => ({ value: k, label: CLARIFICATION_KIND_TEXT[k] }))}
            />
          </Form.Item>
          <Form.Item label="涉及内容" name="item" rules={[{ required: true, whitespace: true, message: '请写明涉及投标文件的哪一部分' }]}>
            <Input maxLength={500} placeholder="如：投标函附录 工期栏" />
          </Form.Item>
          <Form.Item label="澄清问题" name="question" rules={[{ required: true, whitespace: true, message: '请写明澄清问题' }]}>
            <Input.TextArea rows={3} maxLength={5000} />
          </Form.Item>
          <Form.Item label="答复期限" name="minutes" rules={[{ required: true }]}>
            <Select options={ANSWER_WITHIN} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            发出澄清要求
          </Button>
        </Form>
      )}
      <DataTable<Clarification>
        aria-label="澄清要求"
        size="small"
        rowKey="id"
        style={{ marginTop: 12 }}
        dataSource={items}
        emptyText={'暂无澄清要求'}
        columns={[
          { title: '投标人', dataIndex: 'bidId', render: (id: string) => name(id) },
          { title: '类型', dataIndex: 'kind', render: (k: ClarificationKind) => CLARIFICATION_KIND_TEXT[k] ?? k },
          {
            title: '问题',
            dataIndex: 'question',
            render: (q: string, c) => (
              <span title={c.legalBasis}>
                {c.item}：{q}
              </span>
            ),
          },
          { title: '答复截止', dataIndex: 'deadline', render: (d: string) => formatBeijing(d) },
          {
            title: '状态',
            key: 'status',
            render: (_: unknown, c) => (c.status === 'ANSWERED' ? <Tag color="green">已答复</Tag> : c.expired ? <Tag>已过期未答复</Tag> : <Tag color="gold">待答复</Tag>),
          },
          { title: '答复', key: 'response', render: (_: unknown, c) => c.response?.text ?? '—' },
          {
            title: '评标委员会意见',
            key: 'decision',
            render: (_: unknown, c) =>
              c.panelDecision ? (
                c.panelDecision.decision === 'ACCEPTED' ? (
                  '采纳'
                ) : c.panelDecision.decision === 'NOT_ACCEPTED' ? (
                  '不采纳'
                ) : (
                  c.panelDecision.decision
                )
              ) : c.status === 'ANSWERED' && !locked ? (
                <Space>
                  <Button size="small" onClick={() => decide(c, true)}>
                    采纳
                  </Button>
                  <Button size="small" onClick={() => decide(c, false)}>
                    不采纳
                  </Button>
                </Space>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </section>
  );
}
