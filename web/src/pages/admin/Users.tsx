import { App, Button, Card, Form, Input, Modal, Select, Space, Tag } from 'antd';
import { Paragraph, Text } from '@/components/oversight/Typo';
import { DataTable } from '@/components/oversight/DataTable';
import { useCallback, useEffect, useState } from 'react';
import { api } from '@/api/client';
import type { UserRow } from '@/api/oversight-types';
import { type Paged, type Role, ROLE_TEXT } from '@/api/types';
import { useAuth } from '@/auth/AuthContext';
import { ApiErrorAlert } from '@/components/oversight/ApiErrorAlert';
import { formatBeijing } from '@/lib/time';

interface NewUser {
  username: string;
  password: string;
  role: 'EXPERT' | 'SUPERVISOR' | 'ADMIN';
}

const PAGE_SIZE = 20;

/**
 * Accounts (GET /admin/users): bidders and procuring entities register themselves; the administrator creates the
 * experts, supervisors and administrators (POST /admin/users) and disables or enables any account but its own.
 */
export function Users() {
  const { me } = useAuth();
  const { message } = App.useApp();
  const [form] = Form.useForm<NewUser>();
  const [users, setUsers] = useState<Paged<UserRow> | null>(null);
  const [role, setRole] = useState<Role | ''>('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [error, setError] = useState<unknown>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [disabling, setDisabling] = useState<UserRow | null>(null);

  const load = useCallback(async () => {
    try {
      setUsers(await api.get<Paged<UserRow>>('/admin/users', { query: { role, q, page, pageSize: PAGE_SIZE } }));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [role, q, page]);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (v: NewUser) => {
    setBusy(true);
    setCreateError(null);
    try {
      await api.post<{ userId: string }>('/admin/users', { username: v.username.trim(), password: v.password, role: v.role });
      message.success(`已创建${ROLE_TEXT[v.role]}账户 ${v.username.trim()}`);
      form.resetFields();
      setPage(1);
      await load();
    } catch (e) {
      setCreateError(e);
    } finally {
      setBusy(false);
    }
  };

  const enable = async (u: UserRow) => {
    try {
      await api.post(`/admin/users/${u.id}/enable`);
      message.success(`已启用 ${u.username}`);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <Card size="small" title="新建用户（评标专家、监管人员、系统管理员）" style={{ marginBottom: 16 }}>
        <Paragraph type="secondary">投标人和招标人通过“注册”自行开户；评标专家账户创建后，还须在“评标专家库”中登记专家信息才会被抽取。</Paragraph>
        <ApiErrorAlert error={createError} fields={{ username: '用户名', password: '密码', role: '角色' }} onClose={() => setCreateError(null)} />
        <Form<NewUser> name="newUser" form={form} layout="inline" onFinish={create} initialValues={{ role: 'EXPERT' }} style={{ rowGap: 12 }}>
          <Form.Item label="用户名" name="username" rules={[{ required: true, pattern: /^[A-Za-z0-9_.@-]{3,64}$/, message: '3–64位字母、数字或 _ . @ -' }]}>
            <Input autoComplete="off" style={{ width: 180 }} />
          </Form.Item>
          <Form.Item label="密码" name="password" rules={[{ required: true, min: 8, max: 128, message: '密码至少8位' }]}>
            <Input.Password autoComplete="new-password" style={{ width: 180 }} />
          </Form.Item>
          <Form.Item label="角色" name="role" rules={[{ required: true }]}>
            <Select style={{ width: 140 }} options={(['EXPERT', 'SUPERVISOR', 'ADMIN'] as const).map((r) => ({ value: r, label: ROLE_TEXT[r] }))} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            创建用户
          </Button>
        </Form>
      </Card>

      <Space wrap style={{ marginBottom: 12 }}>
        <Select<Role | ''>
          aria-label="按角色筛选"
          style={{ width: 160 }}
          value={role}
          onChange={(v) => {
            setRole(v);
            setPage(1);
          }}
          options={[{ value: '', label: '全部角色' }, ...(Object.keys(ROLE_TEXT) as Role[]).map((r) => ({ value: r, label: ROLE_TEXT[r] }))]}
        />
        <Input.Search
          aria-label="搜索用户"
          placeholder="用户名或单位名称"
          allowClear
          style={{ width: 260 }}
          onSearch={(v) => {
            setQ(v.trim());
            setPage(1);
          }}
        />
        {users && <Text type="secondary">共 {users.total} 个账户</Text>}
      </Space>
      <ApiErrorAlert error={error} onClose={() => setError(null)} />
      <DataTable<UserRow>
        aria-label="用户列表"
        rowKey="id"
        size="middle"
        dataSource={users?.items ?? []}
        loading={users === null && !error}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: users?.total ?? 0, onChange: setPage }}
        columns={[
          { title: '用户名', dataIndex: 'username' },
          { title: '角色', dataIndex: 'role', render: (r: Role) => ROLE_TEXT[r] ?? r },
          { title: '单位', dataIndex: 'organizationName', render: (n: string | null) => n ?? '—' },
          { title: '创建时间', dataIndex: 'createdAt', render: (d: string) => formatBeijing(d) },
          { title: '状态', dataIndex: 'disabled', render: (d: boolean) => (d ? <Tag>已停用</Tag> : <Tag color="green">正常</Tag>) },
          {
            title: '操作',
            key: 'actions',
            render: (_: unknown, u) =>
              u.id === me?.userId ? (
                <Text type="secondary">当前账户</Text>
              ) : u.disabled ? (
                <Button size="small" onClick={() => enable(u)}>
                  启用
                </Button>
              ) : (
                <Button size="small" danger onClick={() => setDisabling(u)}>
                  停用
                </Button>
              ),
          },
        ]}
      />
      {disabling && (
        <DisableModal
          user={disabling}
          onClose={() => setDisabling(null)}
          onDone={async () => {
            message.success(`已停用 ${disabling.username}`);
            setDisabling(null);
            await load();
          }}
        />
      )}
    </>
  );
}

function DisableModal({ user, onClose, onDone }: { user: UserRow; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!reason.trim()) {
      setError(new Error('请填写停用原因'));
      return;
    }
    setBusy(true);
    try {
      await api.post(`/admin/users/${user.id}/disable`, { reason: reason.trim() });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={`停用账户：${user.username}`} okText="确认停用" okButtonProps={{ danger: true, loading: busy }} cancelText="取消" onOk={submit} onCancel={onClose}>
      <Paragraph>停用后该账户立即不能登录和操作；记录写入审计链。</Paragraph>
      <ApiErrorAlert error={error} />
      <label htmlFor="disable-reason">停用原因</label>
      <Input.TextArea id="disable-reason" rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
    </Modal>
  );
}
