import { Button, Spin } from 'antd';
import { Suspense } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { ROLE_TEXT } from '@/api/types';
import { displayName, useAuth } from '@/auth/AuthContext';
import { routes } from '@/routes';
import './layout.css';

/** The shell: header (platform name, the role's menu, the user's name and `退出`), the page, a footer. */
export function AppLayout() {
  const { me, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const menu = routes.filter((r) => r.nav && (r.access === 'public' || (me && Array.isArray(r.access) && r.access.includes(me.role))));
  // The most specific menu entry containing the current path (/tenders/new is 新建项目, not 招标项目).
  const current = menu
    .map((m) => m.path)
    .filter((k) => k !== '/' && (location.pathname === k || location.pathname.startsWith(`${k}/`)))
    .sort((a, b) => b.length - a.length)[0];

  return (
    <div className="app-layout">
      <header className="app-header">
        <Link to="/" className="app-brand">
          电子招标投标交易平台
        </Link>
        <nav className="app-menu" aria-label="主菜单">
          {menu.map((r) => (
            <NavLink key={r.path} to={r.path} end className={r.path === current ? 'active' : undefined} aria-current={r.path === current ? 'page' : undefined}>
              {r.nav}
            </NavLink>
          ))}
        </nav>
        <div className="app-user">
          {me ? (
            <>
              <span className="app-user-name" title={displayName(me)}>
                <span className="app-user-role">{ROLE_TEXT[me.role]}</span> {displayName(me)}
              </span>
              <Button
                size="small"
                onClick={() => {
                  logout();
                  // Client-side navigation: nothing to wait for once the session is gone.
                  void navigate('/login');
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
        </div>
      </header>
      <main className="app-content">
        <Suspense fallback={<Spin style={{ display: 'block', margin: '64px auto' }} />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="app-footer">电子招标投标交易平台 · 所有时间均为北京时间（UTC+8）</footer>
    </div>
  );
}
