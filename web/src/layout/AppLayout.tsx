import { Button, Layout, Menu, Space, Spin } from 'antd';
import { Suspense } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { ROLE_TEXT } from '@/api/types';
import { displayName, useAuth } from '@/auth/AuthContext';
import { routes } from '@/routes';
import './layout.css';

/** The shell: header (platform name, menu, the user's name and `退出`), the page, a footer. */
export function AppLayout() {
  const { me, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const menu = routes
    .filter((r) => r.nav && (r.access === 'public' || (me && Array.isArray(r.access) && r.access.includes(me.role))))
    .map((r) => ({ key: r.path, label: <Link to={r.path}>{r.nav}</Link> }));
  // The most specific menu entry containing the current path (/tenders/new is 新建项目, not 招标项目).
  const selected = menu
    .map((m) => m.key)
    .filter((k) => k !== '/' && (location.pathname === k || location.pathname.startsWith(`${k}/`)))
    .sort((a, b) => b.length - a.length)
    .slice(0, 1);

  return (
    <Layout className="app-layout">
      <Layout.Header className="app-header">
        <Link to="/" className="app-brand">
          电子招标投标交易平台
        </Link>
        <Menu className="app-menu" mode="horizontal" theme="dark" items={menu} selectedKeys={selected} />
        <Space className="app-user" size="small">
          {me ? (
            <>
              <span className="app-user-name" title={displayName(me)}>
                <span className="app-user-role">{ROLE_TEXT[me.role]}</span> {displayName(me)}
              </span>
              <Button
                size="small"
                onClick={() => {
                  logout();
                  navigate('/login');
                }}
              >
                退出
              </Button>
            </>
          ) : me === null ? (
            <>
              <Link to="/login">登录</Link>
              <Link to="/register">注册</Link>
            </>
          ) : null}
        </Space>
      </Layout.Header>
      <Layout.Content className="app-content">
        <Suspense fallback={<Spin style={{ display: 'block', margin: '64px auto' }} />}>
          <Outlet />
        </Suspense>
      </Layout.Content>
      <Layout.Footer className="app-footer">电子招标投标交易平台 · 所有时间均为北京时间（UTC+8）</Layout.Footer>
    </Layout>
  );
}
