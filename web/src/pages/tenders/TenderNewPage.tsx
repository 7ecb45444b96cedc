import { Alert, Button, Card, Col, Divider, Form, Input, InputNumber, Radio, Row, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '@/api/client';
import { errorText } from '@/api/errors';
import type { Tender } from '@/api/types';
import { serverNow } from '@/api/server-clock';
import { BeijingDateTimeInput } from '@/components/BeijingDateTimeInput';
import { CATEGORY, DECRYPTION_MODE, EVALUATION_METHOD, REGIME } from '@/lib/labels';
import { beijingLocalToIso, isoToBeijingLocal } from '@/lib/time';
import { usccProblem } from '../account/RegisterPage';

const MONEY = /^(0|[1-9]\d{0,15})(\.\d{1,2})?$/;
const moneyRule = (what: string, required = true) => [
  ...(required ? [{ required: true, message: `请输入${what}` }] : []),
  { pattern: MONEY, message: `${what}为金额，最多两位小数，如 12345678.90` },
];
const opts = (m: Record<string, string>) => Object.entries(m).map(([value, label]) => ({ value, label }));

interface NewTenderForm {
  title: string;
  description?: string;
  category: string;
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';
  method: 'OPEN' | 'INVITED';
  invited?: string;
  budget: string;
  priceCeiling?: string;
  bidDeadline: string;
  bidSecurityAmount: string;
  decryptionMode: string;
  windowMinutes: number;
  evaluationMethod: 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING';
  priceWeight?: string;
  factors?: Array<{ code: string; name: string; maxScore: number }>;
  panelSize: number;
  specialties: Array<{ code: string; count: number }>;
  lots?: Array<{ title: string; budget: string }>;
}

/** Two decimal strings' ratio without floats for money: (a × 100) ÷ b in percent, to 2 places. */
function percentOf(a: string, b: string): string | null {
  if (!MONEY.test(a) || !MONEY.test(b)) return null;
  const fen = (s: string) => BigInt(s.split('.')[0]) * 100n + BigInt(((s.split('.')[1] ?? '') + '00').slice(0, 2));
  if (fen(b) === 0n) return null;
  const bp = (fen(a) * 10_000n) / fen(b);
  return `${bp / 100n}.${String(bp % 100n).padStart(2, '0')}`;
}

/** /tenders/new — a procuring entity drafts a tender: every field of POST /tenders (API.md), then 保存草稿. */
export default function TenderNewPage() {
  const [form] = Form.useForm<NewTenderForm>();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const method = Form.useWatch('method', form);
  const evaluationMethod = Form.useWatch('evaluationMethod', form);
  const budget = Form.useWatch('budget', form) ?? '';
  const security = Form.useWatch('bidSecurityAmount', form) ?? '';
  const securityShare = percentOf(security, budget);

  const submit = async (v: NewTenderForm) => {
    setBusy(true);
    setError(null);
    try {
      const body = {
        title: v.title.trim(),
        ...(v.description?.trim() ? { description: v.description.trim() } : {}),
        category: v.category,
        regime: v.regime,
        method: v.method,
        budget: v.budget,
        ...(v.priceCeiling ? { priceCeiling: v.priceCeiling } : {}),
        bidDeadline: beijingLocalToIso(v.bidDeadline),
        bidSecurityAmount: v.bidSecurityAmount,
        decryption: { mode: v.decryptionMode, windowMinutes: v.windowMinutes },
        evaluation: {
          method: v.evaluationMethod,
          ...(v.evaluationMethod === 'COMPREHENSIVE_SCORING' ? { priceWeight: v.priceWeight, factors: v.factors ?? [] } : {}),
        },
        panel: { size: v.panelSize, specialties: v.specialties },
        ...(v.method === 'INVITED'
          ? {
              invitedBidders: (v.invited ?? '')
                .split(/[\s,，;；]+/)
                .filter(Boolean)
                .map((s) => s.toUpperCase()),
            }
          : {}),
        ...(v.lots && v.lots.length ? { lots: v.lots } : {}),
      };
      const created = await api.post<Tender>('/tenders', body);
      void navigate(`/tenders/${created.id}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title={
        <Typography.Title level={2} style={{ margin: 0 }}>
          新建招标项目
        </Typography.Title>
      }
    >
      <Form<NewTenderForm>
        form={form}
        layout="vertical"
        onFinish={submit}
        scrollToFirstError
        initialValues={{
          category: 'CONSTRUCTION_WORKS',
          regime: 'ENGINEERING',
          method: 'OPEN',
          bidDeadline: isoToBeijingLocal(serverNow() + 21 * 86_400_000).slice(0, 11) + '09:30',
          decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK',
          windowMinutes: 30,
          evaluationMethod: 'LOWEST_EVALUATED_PRICE',
          priceWeight: '0.30',
          factors: [
            { code: 'TECH', name: '技术方案', maxScore: 50 },
            { code: 'BIZ', name: '商务', maxScore: 20 },
          ],
          panelSize: 5,
          specialties: [{ code: 'A08', count: 5 }],
        }}
      >
        <Form.Item label="项目名称" name="title" rules={[{ required: true, message: '请输入项目名称' }, { max: 200 }]}>
          <Input />
        </Form.Item>
        <Form.Item label="项目概况" name="description">
          <Input.TextArea rows={3} maxLength={10000} />
        </Form.Item>
        <Row gutter={16}>
          <Col xs={24} md={8}>
            <Form.Item label="项目类别" name="category">
              <Select options={opts(CATEGORY)} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item label="适用法规" name="regime">
              <Select options={opts(REGIME)} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item label="招标方式" name="method">
              <Radio.Group>
                <Radio value="OPEN">公开招标</Radio>
                <Radio value="INVITED">邀请招标</Radio>
              </Radio.Group>
            </Form.Item>
          </Col>
        </Row>
        {method === 'INVITED' && (
          <Form.Item
            label="受邀投标人统一社会信用代码"
            name="invited"
            extra="每行一个；至少3家（《招标投标法》第十七条）"
            rules={[
              {
                validator: async (_r, v: string) => {
                  const codes = (v ?? '').split(/[\s,，;；]+/).filter(Boolean);
                  if (codes.length < 3) throw new Error('邀请招标应当向三个以上潜在投标人发出投标邀请书');
                  const bad = codes.map((c) => [c, usccProblem(c)]).find(([, p]) => p);
                  if (bad) throw new Error(`${bad[0]}：${bad[1]}`);
                },
              },
            ]}
          >
            <Input.TextArea rows={3} />
          </Form.Item>
        )}
        <Row gutter={16}>
          <Col xs={24} md={8}>
            <Form.Item label="预算（元）" name="budget" rules={moneyRule('预算')}>
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item label="最高投标限价（元）" name="priceCeiling" rules={moneyRule('最高投标限价', false)} extra="可不设；不得设最低投标限价">
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item
              label="投标保证金（元）"
              name="bidSecurityAmount"
              rules={moneyRule('投标保证金')}
              extra={`不得超过预算的2%（《招标投标法实施条例》第二十六条）${securityShare ? `；当前为 ${securityShare}%` : ''}`}
            >
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item
          label="投标截止时间（北京时间）"
          name="bidDeadline"
          rules={[{ required: true, message: '请选择投标截止时间' }]}
          extra="投标截止时间即开标时间；自招标文件开始发出之日起至投标截止不得少于20日（《招标投标法》第二十四条），发布时由平台按法定期限校验。"
        >
          <BeijingDateTimeInput />
        </Form.Item>
        <Divider titlePlacement="start">开标与解密</Divider>
        <Row gutter={16}>
          <Col xs={24} md={16}>
            <Form.Item label="解密方式" name="decryptionMode">
              <Select options={opts(DECRYPTION_MODE)} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item label="解密时限（分钟）" name="windowMinutes" rules={[{ required: true }]}>
              <InputNumber min={1} max={1440} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Divider titlePlacement="start">评标</Divider>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item label="评标办法" name="evaluationMethod">
              <Select options={opts(EVALUATION_METHOD)} />
            </Form.Item>
          </Col>
          {evaluationMethod === 'COMPREHENSIVE_SCORING' && (
            <Col xs={24} md={12}>
              <Form.Item
                label="价格分权重"
                name="priceWeight"
                extra="0～1 之间的小数，如 0.30；评审因素分值合计 = 100 ×（1 − 价格分权重）"
                rules={[{ pattern: /^(0(\.\d{1,4})?|1(\.0{1,4})?)$/, message: '请输入 0～1 之间、最多4位小数' }]}
              >
                <Input />
              </Form.Item>
            </Col>
          )}
        </Row>
        {evaluationMethod === 'COMPREHENSIVE_SCORING' && (
          <Form.List name="factors">
            {(fields, { add, remove }) => (
              <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }}>
                <Typography.Text strong>评审因素</Typography.Text>
                {fields.map((f, i) => (
                  <Space key={f.key} wrap align="start">
                    <Form.Item name={[f.name, 'code']} rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,32}$/, message: '代码为字母数字' }]}>
                      <Input aria-label={`评审因素${i + 1}代码`} placeholder="代码" style={{ width: 110 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'name']} rules={[{ required: true, message: '请输入名称' }]}>
                      <Input aria-label={`评审因素${i + 1}名称`} placeholder="名称" style={{ width: 180 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'maxScore']} rules={[{ required: true, message: '请输入分值' }]}>
                      <InputNumber aria-label={`评审因素${i + 1}分值`} placeholder="分值" min={1} max={100} precision={0} />
                    </Form.Item>
                    <Button onClick={() => remove(f.name)}>删除</Button>
                  </Space>
                ))}
                <Button onClick={() => add({ code: '', name: '', maxScore: 10 })}>添加评审因素</Button>
              </Space>
            )}
          </Form.List>
        )}
        <Row gutter={16}>
          <Col xs={24} md={8}>
            <Form.Item label="评标委员会人数" name="panelSize" extra="5人以上单数（《招标投标法》第三十七条）" rules={[{ required: true }]}>
              <InputNumber min={1} max={99} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Form.List name="specialties">
          {(fields, { add, remove }) => (
            <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }}>
              <Typography.Text strong>评标专家专业</Typography.Text>
              {fields.map((f, i) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'code']} rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,32}$/, message: '专业代码' }]}>
                    <Input aria-label={`专业${i + 1}代码`} placeholder="专业代码，如 A08" style={{ width: 160 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'count']} rules={[{ required: true, message: '人数' }]}>
                    <InputNumber aria-label={`专业${i + 1}人数`} min={1} max={99} precision={0} placeholder="人数" />
                  </Form.Item>
                  {fields.length > 1 && <Button onClick={() => remove(f.name)}>删除</Button>}
                </Space>
              ))}
              <Button onClick={() => add({ code: '', count: 1 })}>添加专业</Button>
            </Space>
          )}
        </Form.List>
        <Divider titlePlacement="start">标段（可选）</Divider>
        <Form.List name="lots">
          {(fields, { add, remove }) => (
            <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }}>
              {fields.map((f, i) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'title']} rules={[{ required: true, message: '标段名称' }]}>
                    <Input aria-label={`标段${i + 1}名称`} placeholder="标段名称" style={{ width: 260 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'budget']} rules={moneyRule('标段预算')}>
                    <Input aria-label={`标段${i + 1}预算（元）`} placeholder="预算（元）" style={{ width: 160 }} />
                  </Form.Item>
                  <Button onClick={() => remove(f.name)}>删除</Button>
                </Space>
              ))}
              <Typography.Text type="secondary">划分标段时至少2个，各标段预算之和须等于项目预算。</Typography.Text>
              <Button onClick={() => add({ title: '', budget: '' })}>添加标段</Button>
            </Space>
          )}
        </Form.List>
        {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" loading={busy}>
          保存草稿
        </Button>
      </Form>
    </Card>
  );
}
