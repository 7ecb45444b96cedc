import { App, Button, Card, Col, Form, Input, InputNumber, Modal, Row, Select, Space, Tag } from 'antd';
import { Paragraph, Text } from '@/components/oversight/Typo';
import { DataTable } from '@/components/oversight/DataTable';
import { useCallback, useEffect, useState } from 'react';
import { api } from '@/api/client';
import type { Expert, UserRow } from '@/api/oversight-types';
import type { Paged } from '@/api/types';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { formatBeijing } from '@/lib/time';
import { isValidUscc } from '@shared/common/uscc';

interface NewExpert {
  userId: string;
  name: string;
  specialties: string[];
  region: string;
  employerUscc: string;
  title: string;
  titleEquivalenceNote?: string;
  yearsOfExperience: number;
}

/** TBL Art. 37; PB12 Art. 11: eight years in the field and a senior title (or an equivalent level, explained). */
const MIN_YEARS = 8;
const SENIOR_TITLE = /(正高级|副高级|高级|教授|研究员|主任医师|主任药师|主任护师|高工)/;
const PAGE_SIZE = 20;

const FIELDS = {
  userId: '专家账户',
  name: '姓名',
  specialties: '评标专业',
  region: '所在地区',
  employerUscc: '工作单位统一社会信用代码',
  title: '职称',
  titleEquivalenceNote: '同等专业水平说明',
  yearsOfExperience: '从业年限',
};

/**
 * The expert pool (评标专家库, API.md "Expert pool"): confidential — every list is audited by the server. An expert
 * profile needs an EXPERT account (created under 用户管理); the law's entry conditions are checked here and again
 * by the server (TBL Art. 37).
 */
export function ExpertPool() {
  const { message } = App.useApp();
  const [form] = Form.useForm<NewExpert>();
  const title = Form.useWatch('title', form);
  const [experts, setExperts] = useState<Paged<Expert> | null>(null);
  const [accounts, setAccounts] = useState<UserRow[]>([]);
  const [page, setPage] = useState(1);
  const [error, setError] = useState<unknown>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [disabling, setDisabling] = useState<Expert | null>(null);

  const load = useCallback(async () => {
    try {
      const [pool, users] = await Promise.all([
        api.get<Paged<Expert>>('/experts', { query: { page, pageSize: PAGE_SIZE } }),
        api.get<Paged<UserRow>>('/admin/users', { query: { role: 'EXPERT', pageSize: 200 } }),
      ]);
      setExperts(pool);
      setAccounts(users.items.filter((u) => !u.disabled));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [page]);
  useEffect(() => {
    void load();
  }, [load]);

  const registered = new Set((experts?.items ?? []).map((e) => e.userId));

  const create = async (v: NewExpert) => {
    setBusy(true);
    setCreateError(null);
    try {
      await api.post<{ expertId: string }>('/experts', {
        userId: v.userId,
        name: v.name.trim(),
        specialties: v.specialties.map((s) => s.trim().toUpperCase()),
        region: v.region.trim(),
        employerUscc: v.employerUscc.trim().toUpperCase(),
        title: v.title.trim(),
        ...(v.titleEquivalenceNote?.trim() ? { titleEquivalenceNote: v.titleEquivalenceNote.trim() } : {}),
        yearsOfExperience: v.yearsOfExperience,
        conflicts: [],
      });
      message.success(`已将 ${v.name.trim()} 登记入评标专家库`);
      form.resetFields();
      await load();
    } catch (e) {
      setCreateError(e);
    } finally {
      setBusy(false);
    }
  };

  const enable = async (e: Expert) => {
    try {
      await api.post(`/experts/${e.id}/enable`);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <Card size="small" title="登记评标专家" style={{ marginBottom: 16 }}>
        <Paragraph type="secondary">评标专家应当从事相关领域工作满八年并具有高级职称或者具有同等专业水平（《招标投标法》第三十七条）。</Paragraph>
        <ApiErrorAlert error={createError} fields={FIELDS} onClose={() => setCreateError(null)} />
        <Form<NewExpert> name="newExpert" form={form} layout="vertical" onFinish={create} initialValues={{ yearsOfExperience: 10, specialties: [] }}>
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Form.Item label="专家账户" name="userId" rules={[{ required: true, message: '请选择评标专家账户' }]}>
                <Select
                  showSearch={{ optionFilterProp: 'label' }}
                  placeholder="先在“用户管理”中创建评标专家账户"
                  options={accounts.map((u) => ({ value: u.id, label: registered.has(u.id) ? `${u.username}（已登记）` : u.username, disabled: registered.has(u.id) }))}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="姓名" name="name" rules={[{ required: true, whitespace: true, max: 50 }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item
                label="评标专业"
                name="specialties"
                tooltip="专业分类代码，如 A08；可输入多个，回车确认"
                rules={[
                  { required: true, type: 'array', min: 1, message: '至少一个专业代码' },
                  {
                    validator: (_, v: string[]) =>
                      v?.every((s) => /^[A-Za-z0-9_-]{1,32}$/.test(s)) ? Promise.resolve() : Promise.reject(new Error('专业代码为字母、数字、_ 或 -')),
                  },
                ]}
              >
                <Select mode="tags" tokenSeparators={[',', '，', ' ']} open={false} suffixIcon={null} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="所在地区" name="region" rules={[{ required: true, whitespace: true, max: 50 }]}>
                <Input placeholder="如：江苏省盐城市" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item
                label="工作单位统一社会信用代码"
                name="employerUscc"
                rules={[
                  {
                    required: true,
                    validator: (_, v: string) => (v && isValidUscc(v.trim().toUpperCase()) ? Promise.resolve() : Promise.reject(new Error('请输入有效的18位统一社会信用代码'))),
                  },
                ]}
              >
                <Input maxLength={18} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="职称" name="title" rules={[{ required: true, whitespace: true, max: 50 }]}>
                <Input placeholder="如：高级工程师" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="从业年限" name="yearsOfExperience" rules={[{ required: true, type: 'integer', min: MIN_YEARS, max: 70, message: `从业年限不少于${MIN_YEARS}年` }]}>
                <InputNumber min={0} max={70} precision={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            {title && !SENIOR_TITLE.test(title) && (
              <Col xs={24} md={16}>
                <Form.Item label="同等专业水平说明" name="titleEquivalenceNote" rules={[{ required: true, whitespace: true, message: '非高级职称须说明具有同等专业水平的理由' }]}>
                  <Input />
                </Form.Item>
              </Col>
            )}
          </Row>
          <Button type="primary" htmlType="submit" loading={busy}>
            添加专家
          </Button>
        </Form>
      </Card>

      <ApiErrorAlert error={error} onClose={() => setError(null)} />
      <DataTable<Expert>
        aria-label="评标专家库"
        rowKey="id"
        size="middle"
        dataSource={experts?.items ?? []}
        loading={experts === null && !error}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: experts?.total ?? 0, onChange: setPage }}
        columns={[
          { title: '姓名', dataIndex: 'name' },
          { title: '评标专业', dataIndex: 'specialties', render: (s: string[]) => s.map((x) => <Tag key={x}>{x}</Tag>) },
          { title: '地区', dataIndex: 'region' },
          { title: '职称', dataIndex: 'title' },
          { title: '从业年限', dataIndex: 'yearsOfExperience', render: (y: number) => `${y}年` },
          { title: '回避单位', dataIndex: 'conflicts', render: (c: Expert['conflicts']) => (c.length ? `${c.length}家` : '—') },
          {
            title: '状态',
            key: 'status',
            render: (_: unknown, e) =>
              e.status === 'DISABLED' ? (
                <Tag title={e.disabledReason ?? ''}>已停用</Tag>
              ) : e.available ? (
                <Tag color="green">可抽取</Tag>
              ) : (
                <Tag color="gold">暂不可用{e.unavailableUntil ? `至${formatBeijing(e.unavailableUntil).slice(0, 10)}` : ''}</Tag>
              ),
          },
          {
            title: '操作',
            key: 'actions',
            render: (_: unknown, e) =>
              e.status === 'DISABLED' ? (
                <Button size="small" onClick={() => enable(e)}>
                  启用
                </Button>
              ) : (
                <Button size="small" danger onClick={() => setDisabling(e)}>
                  停用
                </Button>
              ),
          },
        ]}
      />
      {disabling && (
        <DisableExpert
          expert={disabling}
          onClose={() => setDisabling(null)}
          onDone={async () => {
            setDisabling(null);
            await load();
          }}
        />
      )}
    </>
  );
}

function DisableExpert({ expert, onClose, onDone }: { expert: Expert; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!reason.trim()) return setError(new Error('请填写停用原因'));
    setBusy(true);
    try {
      await api.post(`/experts/${expert.id}/disable`, { reason: reason.trim() });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={`停用专家：${expert.name}`} okText="确认停用" okButtonProps={{ danger: true, loading: busy }} cancelText="取消" onOk={submit} onCancel={onClose}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Text>停用后不再被抽取；其尚未开始的评标席位将另行抽取补足。</Text>
        <ApiErrorAlert error={error} />
        <label htmlFor="expert-disable-reason">停用原因</label>
        <Input.TextArea id="expert-disable-reason" rows={2} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Space>
    </Modal>
  );
}
