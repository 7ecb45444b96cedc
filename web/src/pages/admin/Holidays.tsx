import { Alert, App, Button, Card, Col, Form, Input, InputNumber, Popconfirm, Radio, Row, Space } from 'antd';
import { Paragraph, Text, Title } from '@/components/oversight/Typo';
import { type Column, DataTable } from '@/components/oversight/DataTable';
import { useCallback, useEffect, useState } from 'react';
import { api } from '@/api/client';
import { ApiError } from '@/api/errors';
import type { HolidayDay, HolidayYear } from '@/api/oversight-types';
import { serverNow } from '@/api/server-clock';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { formatBeijing } from '@/lib/time';

interface AddDay {
  day: string;
  name: string;
  kind: 'HOLIDAY' | 'WORKDAY';
}

const WEEKDAY = ['日', '一', '二', '三', '四', '五', '六'];
const weekday = (day: string) => `星期${WEEKDAY[new Date(`${day}T00:00:00Z`).getUTCDay()]}`;

/**
 * 法定节假日 (src/modules/tenders/legal-calendar): a year's statutory holidays and make-up working days (调休上班),
 * as published each year by the State Council (国务院办公厅关于XXXX年部分节假日安排的通知). Working-day periods count
 * with them at once. The API replaces a whole year (PUT /admin/holidays/{year}): adding or removing a day sends the
 * year again.
 */
export function Holidays() {
  const { message } = App.useApp();
  const thisYear = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(serverNow()));
  const [year, setYear] = useState(thisYear);
  const [data, setData] = useState<HolidayYear | null>(null);
  const [missing, setMissing] = useState(false);
  const [source, setSource] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<AddDay>();

  const load = useCallback(async () => {
    setError(null);
    try {
      const y = await api.get<HolidayYear>(`/admin/holidays/${year}`);
      setData(y);
      setSource(y.source);
      setMissing(false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        setData(null);
        setMissing(true);
        setSource(`国务院办公厅关于${year}年部分节假日安排的通知`);
      } else setError(e);
    }
  }, [year]);
  useEffect(() => {
    void load();
  }, [load]);

  const put = async (holidays: HolidayDay[], workdays: HolidayDay[], done: string) => {
    setBusy(true);
    setError(null);
    try {
      const sort = (a: HolidayDay, b: HolidayDay) => a.day.localeCompare(b.day);
      const y = await api.put<HolidayYear>(`/admin/holidays/${year}`, { source: source.trim(), holidays: [...holidays].sort(sort), workdays: [...workdays].sort(sort) });
      setData(y);
      setMissing(false);
      message.success(done);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (v: AddDay) => {
    if (!v.day.startsWith(`${year}-`)) {
      form.setFields([{ name: 'day', errors: [`日期须在 ${year} 年内`] }]);
      return;
    }
    const holidays = (data?.holidays ?? []).filter((d) => d.day !== v.day);
    const workdays = (data?.workdays ?? []).filter((d) => d.day !== v.day);
    const entry = { day: v.day, name: v.name.trim() };
    const ok = await put(v.kind === 'HOLIDAY' ? [...holidays, entry] : holidays, v.kind === 'WORKDAY' ? [...workdays, entry] : workdays, `已添加 ${v.day} ${entry.name}`);
    if (ok) form.resetFields(['day', 'name']);
  };

  const remove = (d: HolidayDay) =>
    put(
      (data?.holidays ?? []).filter((x) => x.day !== d.day),
      (data?.workdays ?? []).filter((x) => x.day !== d.day),
      `已删除 ${d.day}`,
    );

  const columns: Array<Column<HolidayDay>> = [
    { title: '日期', dataIndex: 'day', render: (d: string) => `${d}（${weekday(d)}）` },
    { title: '名称', dataIndex: 'name' },
    {
      title: '操作',
      key: 'actions',
      render: (_: unknown, d: HolidayDay) => (
        <Popconfirm title={`删除 ${d.day}？`} okText="删除" cancelText="取消" onConfirm={() => remove(d)}>
          <Button size="small" type="link" danger>
            删除
          </Button>
        </Popconfirm>
      ),
    },
  ];

  return (
    <>
      <Space wrap align="center" style={{ marginBottom: 12 }}>
        <label htmlFor="holiday-year">年份</label>
        <InputNumber id="holiday-year" min={2000} max={2100} precision={0} value={year} onChange={(v) => v && setYear(v)} />
        {data && (
          <Text type="secondary">
            依据：{data.source}；载入于 {formatBeijing(data.loadedAt)}
          </Text>
        )}
      </Space>
      <Paragraph type="secondary">以工作日计算的法定期限（如异议答复、投诉期限）按此日历顺延；修改即时生效并写入审计链。</Paragraph>
      {missing && <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={`${year} 年的节假日安排尚未载入：添加第一天时一并载入，并请填写依据的通知。`} />}
      <ApiErrorAlert error={error} onClose={() => setError(null)} fields={{ source: '依据', holidays: '放假日期', workdays: '调休上班日期', year: '年份' }} />
      <Card size="small" title="添加日期" style={{ marginBottom: 16 }}>
        <Form<AddDay> name="holidayDay" form={form} layout="vertical" onFinish={add} initialValues={{ kind: 'HOLIDAY' }}>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item label="依据的通知">
                <Input value={source} onChange={(e) => setSource(e.target.value)} maxLength={300} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item label="类型" name="kind">
                <Radio.Group
                  options={[
                    { value: 'HOLIDAY', label: '放假' },
                    { value: 'WORKDAY', label: '调休上班' },
                  ]}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="日期" name="day" rules={[{ required: true, pattern: /^\d{4}-\d{2}-\d{2}$/, message: '请选择日期' }]}>
                <Input type="date" min={`${year}-01-01`} max={`${year}-12-31`} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="名称" name="name" rules={[{ required: true, whitespace: true, max: 50, message: '请填写名称，如：春节' }]}>
                <Input placeholder="如：春节" />
              </Form.Item>
            </Col>
          </Row>
          <Button type="primary" htmlType="submit" loading={busy} disabled={!source.trim()}>
            添加
          </Button>
        </Form>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Title level={5}>放假（{data?.holidays.length ?? 0} 天）</Title>
          <DataTable<HolidayDay> aria-label="放假日期" size="small" rowKey="day" dataSource={data?.holidays ?? []} columns={columns} maxHeight={420} />
        </Col>
        <Col xs={24} lg={10}>
          <Title level={5}>调休上班（{data?.workdays.length ?? 0} 天）</Title>
          <DataTable<HolidayDay> aria-label="调休上班日期" size="small" rowKey="day" dataSource={data?.workdays ?? []} columns={columns} />
        </Col>
      </Row>
    </>
  );
}
