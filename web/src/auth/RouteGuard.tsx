import { Spin } from 'antd';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import type { RouteAccess } from '@/routes';
import { useAuth } from './AuthContext';

/** Applies a route's `access`: logged-out users go to /login?next=…, a wrong role gets 403. */
export function RouteGuard({ access, children }: { access: RouteAccess; children: ReactNode }) {
  const { me } = useAuth();
  const location = useLocation();
  if (access === 'public') return <>{children}</>;
  if (me === undefined) return <Spin style={{ display: 'block', margin: '64px auto' }} />;
  if (access === 'guest') {
    if (!me) return <>{children}</>;
    const next = new URLSearchParams(location.search).get('next');
    return <Navigate to={next && next.startsWith('/') && !next.startsWith('//') ? next : '/'} replace />;
  }
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (!access.includes(me.role)) {
    return (
      <div className="plain-result" role="alert">
        <h2>无权访问</h2>
        <p>您的账户角色不能访问此页面。</p>
      </div>
    );
  }
  return <>{children}</>;
}
