import { App, Button, Card, Form, Select, Tag } from 'antd';
import { Paragraph, Text } from '@/components/oversight/Typo';
import { useCallback, useEffect, useState } from 'react';
import { api } from '@/api/client';
import type { UserRow } from '@/api/oversight-types';
import type { Paged } from '@/api/types';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';

interface Jurisdiction {
  code: string;
  name: string;
  level: 'CITY' | 'COUNTY';
  parentCode: string | null;
}

interface Scope {
  userId: string;
  jurisdiction: Jurisdiction;
  sectors: string[] | null;
  all: boolean;
}

interface ScopeForm {
  userId: string;
  jurisdiction: string;
  sectors: string[];
}

const FIELDS = { userId: '监管人员', jurisdiction: '管辖区域', sectors: '监管行业' };

/**
 * 监管范围 (issue 19): the administrator sets the jurisdiction (the city: every county; a county: its own tenders) and
 * the trades (a sector regulator; none: every trade) of a supervisor — PUT /admin/users/{id}/supervision-scope.
 * Flags, cases, complaints, statistics and every supervisor's view of a tender follow it on the server.
 */
export function SupervisionScopes() {
  const { message } = App.useApp();
  const [form] = Form.useForm<ScopeForm>();
  const userId = Form.useWatch('userId', form);
  const [supervisors, setSupervisors] = useState<UserRow[]>([]);
  const [jurisdictions, setJurisdictions] = useState<Jurisdiction[]>([]);
  const [sectors, setSectors] = useState<Array<{ code: string; name: string }>>([]);
  const [current, setCurrent] = useState<Scope | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void (async () => {
      try {
        const [users, js, cls] = await Promise.all([
          api.get<Paged<UserRow>>('/admin/users', { query: { role: 'SUPERVISOR', pageSize: 200 } }),
          api.get<Jurisdiction[]>('/jurisdictions'),
          api.get<{ sectors: Array<{ code: string; name: string }> }>('/classification'),
        ]);
        setSupervisors(users.items.filter((u) => !u.disabled));
        setJurisdictions(js);
        setSectors(cls.sectors);
      } catch (e) {
        setError(e);
      }
    })();
  }, []);

  const loadScope = useCallback(
    async (id: string) => {
      try {
        const s = await api.get<Scope>(`/admin/users/${id}/supervision-scope`);
        setCurrent(s);
        form.setFieldsValue({ jurisdiction: s.jurisdiction.code, sectors: s.sectors ?? [] });
        setError(null);
      } catch (e) {
        setCurrent(null);
        setError(e);
      }
    },
    [form],
  );
  useEffect(() => {
    if (userId) void loadScope(userId);
  }, [userId, loadScope]);

  const save = async (v: ScopeForm) => {
    setBusy(true);
    setSaveError(null);
    try {
      const s = await api.put<Scope>(`/admin/users/${v.userId}/supervision-scope`, {
        jurisdiction: v.jurisdiction,
        ...(v.sectors?.length ? { sectors: v.sectors } : {}),
      });
      setCurrent(s);
      message.success(`已保存监管范围：${describe(s, sectors)}`);
    } catch (e) {
      setSaveError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card size="small" title="监管人员的监管范围（管辖区域、监管行业）">
      <Paragraph type="secondary">
        市级监管人员可见全市各县（市、区）的项目；县级监管人员只见本县项目。指定监管行业的（行业监管部门），只见本行业项目；不指定即为全部行业。
      </Paragraph>
      <ApiErrorAlert error={error} onClose={() => setError(null)} />
      <ApiErrorAlert error={saveError} fields={FIELDS} onClose={() => setSaveError(null)} />
      <Form<ScopeForm> name="supervisionScope" form={form} layout="inline" onFinish={save} style={{ rowGap: 12 }}>
        <Form.Item label="监管人员" name="userId" rules={[{ required: true, message: '请选择监管人员' }]}>
          <Select
            style={{ width: 220 }}
            showSearch={{ optionFilterProp: 'label' }}
            placeholder="先在“用户管理”中创建监管人员账户"
            options={supervisors.map((u) => ({ value: u.id, label: u.username }))}
          />
        </Form.Item>
        <Form.Item label="管辖区域" name="jurisdiction" rules={[{ required: true, message: '请选择管辖区域' }]}>
          <Select style={{ width: 180 }} virtual={false} options={jurisdictions.map((j) => ({ value: j.code, label: j.level === 'CITY' ? `${j.name}（全市）` : j.name }))} />
        </Form.Item>
        <Form.Item label="监管行业" name="sectors">
          <Select mode="multiple" allowClear virtual={false} style={{ minWidth: 240 }} placeholder="全部行业" options={sectors.map((s) => ({ value: s.code, label: s.name }))} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} disabled={!userId}>
          保存监管范围
        </Button>
      </Form>
      {current && userId === current.userId && (
        <div style={{ marginTop: 16 }} role="status" aria-label="当前监管范围">
          <Text type="secondary">当前监管范围：</Text>
          <Tag color={current.all ? 'blue' : 'gold'}>{describe(current, sectors)}</Tag>
        </div>
      )}
    </Card>
  );
}

function describe(s: Scope, sectors: Array<{ code: string; name: string }>): string {
  const area = s.jurisdiction.level === 'CITY' ? `${s.jurisdiction.name}（全市）` : s.jurisdiction.name;
  const trades = s.sectors ? s.sectors.map((c) => sectors.find((x) => x.code === c)?.name ?? c).join('、') : '全部行业';
  return `${area} · ${trades}`;
}
