import { Alert, Button, Card, Form, Input, Radio, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '@/api/client';
import { errorText } from '@/api/errors';
import { isValidUscc, usccCheckChar } from '@shared/common/uscc';

interface RegisterForm {
  role: 'BIDDER' | 'PROCURING_ENTITY';
  username: string;
  password: string;
  name: string;
  uscc: string;
  legalRepresentative: string;
  bank: string;
  accountNo: string;
}

/** Why a USCC is wrong, in Chinese (GB 32100-2015; the same check as the server: src/common/uscc.ts). */
export function usccProblem(raw: string): string | null {
  const code = raw.trim().toUpperCase();
  if (code.length !== 18) return `统一社会信用代码应为18位，当前${code.length}位`;
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return '统一社会信用代码只能包含数字和大写字母（不含 I、O、S、V、Z）';
  if (!isValidUscc(code)) return `统一社会信用代码校验位错误（第18位应为 ${usccCheckChar(code.slice(0, 17))}）`;
  return null;
}

/** /register — new bidders (投标人) and procuring entities (招标人), with the USCC check in the browser too. */
export default function RegisterPage() {
  const [form] = Form.useForm<RegisterForm>();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (v: RegisterForm) => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/auth/register', {
        username: v.username.trim(),
        password: v.password,
        role: v.role,
        organization: {
          name: v.name.trim(),
          uscc: v.uscc.trim().toUpperCase(),
          legalRepresentative: v.legalRepresentative.trim(),
          basicAccount: { bank: v.bank.trim(), accountNo: v.accountNo.trim() },
        },
      });
      setDone(v.username.trim());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <div className="plain-result" role="status">
        <h2>注册成功</h2>
        <p>账户 {done} 已创建，请登录。</p>
        <Link to="/login">
          <Button type="primary">去登录</Button>
        </Link>
      </div>
    );
  }

  return (
    <Card
      className="narrow-card"
      style={{ maxWidth: 560 }}
      title={
        <Typography.Title level={3} style={{ margin: 0 }}>
          注册
        </Typography.Title>
      }
    >
      <Form<RegisterForm> form={form} layout="vertical" onFinish={submit} initialValues={{ role: 'BIDDER' }} requiredMark={false}>
        <Form.Item label="账户类型" name="role">
          <Radio.Group>
            <Radio value="BIDDER">投标人</Radio>
            <Radio value="PROCURING_ENTITY">招标人</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          label="用户名"
          name="username"
          rules={[
            { required: true, message: '请输入用户名' },
            { pattern: /^[A-Za-z0-9_.@-]{3,64}$/, message: '用户名为3～64位字母、数字或 _ . @ -' },
          ]}
        >
          <Input autoComplete="username" />
        </Form.Item>
        <Form.Item
          label="密码"
          name="password"
          rules={[
            { required: true, message: '请输入密码' },
            { min: 8, message: '密码至少8位' },
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item label="单位名称" name="name" rules={[{ required: true, message: '请输入单位名称' }, { max: 200 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          label="统一社会信用代码"
          name="uscc"
          validateTrigger={['onBlur', 'onSubmit']}
          rules={[
            { required: true, message: '请输入统一社会信用代码' },
            { validator: async (_r, v: string) => (v && usccProblem(v) ? Promise.reject(new Error(usccProblem(v)!)) : undefined) },
          ]}
        >
          <Input maxLength={18} style={{ textTransform: 'uppercase' }} />
        </Form.Item>
        <Form.Item label="法定代表人" name="legalRepresentative" rules={[{ required: true, message: '请输入法定代表人' }, { max: 50 }]}>
          <Input />
        </Form.Item>
        <Form.Item label="基本账户开户行" name="bank" rules={[{ required: true, message: '请输入基本账户开户行' }, { max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item
          label="基本账户账号"
          name="accountNo"
          extra="投标保证金应从基本账户转出（《招标投标法实施条例》第二十六条）"
          rules={[
            { required: true, message: '请输入基本账户账号' },
            { pattern: /^\d{8,32}$/, message: '账号为8～32位数字' },
          ]}
        >
          <Input inputMode="numeric" />
        </Form.Item>
        {error && <Alert type="error" title={error} showIcon style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" block loading={busy}>
          注册
        </Button>
      </Form>
    </Card>
  );
}
