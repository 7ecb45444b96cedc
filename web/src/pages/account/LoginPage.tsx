import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, errorText } from '@/api/errors';
import { useAuth } from '@/auth/AuthContext';

interface LoginForm {
  username: string;
  password: string;
}

/** /login — UI.md: textbox `用户名`, password `密码`, button `登录`; a wrong password shows role=alert. */
export default function LoginPage() {
  const { login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (v: LoginForm) => {
    setBusy(true);
    setError(null);
    try {
      await login(v.username.trim(), v.password);
      const next = params.get('next');
      void navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? '用户名或密码错误，或账户已停用' : errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      className="narrow-card"
      title={
        <Typography.Title level={3} style={{ margin: 0 }}>
          登录
        </Typography.Title>
      }
    >
      <Form<LoginForm> layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item label="用户名" name="username" rules={[{ required: true, message: '请输入用户名' }]}>
          <Input autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item label="密码" name="password" rules={[{ required: true, message: '请输入密码' }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" block loading={busy}>
          登录
        </Button>
      </Form>
      <Typography.Paragraph style={{ marginTop: 16, marginBottom: 0 }}>
        还没有账户？<Link to="/register">注册投标人或招标人</Link>
      </Typography.Paragraph>
    </Card>
  );
}
