import { ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { lazy, useEffect } from 'react';
import { BrowserRouter, Route, Routes, useLocation } from 'react-router';
import { AuthProvider } from '@/auth/AuthContext';
import { RouteGuard } from '@/auth/RouteGuard';
import { AppLayout } from '@/layout/AppLayout';
import { type ConsoleRoute, routes } from '@/routes';

const NotFoundPage = lazy(() => import('@/pages/NotFoundPage'));
const lazyPages = new Map(routes.map((r) => [r, lazy(r.load)]));

function Page({ route }: { route: ConsoleRoute }) {
  const location = useLocation();
  useEffect(() => {
    document.title = `${route.title} - 电子招标投标交易平台`;
  }, [route.title, location.pathname]);
  const Component = lazyPages.get(route)!;
  return (
    <RouteGuard access={route.access}>
      <Component />
    </RouteGuard>
  );
}

/**
 * The console: antd in Chinese (zh_CN), the auth context, and the route table (routes.tsx) under the layout. The
 * declarative router (BrowserRouter) keeps the shell small: every page is a lazy chunk (bench/run.ts measures it).
 */
export function App() {
  return (
    // button.autoInsertSpace off: antd would render 登录 as "登 录" and break the accessible names of UI.md.
    <ConfigProvider locale={zhCN} button={{ autoInsertSpace: false }} theme={{ token: { colorPrimary: '#b71c1c', borderRadius: 4 } }}>
      <AuthProvider>
        <BrowserRouter>
          <Routes>
            <Route element={<AppLayout />}>
              {routes.map((r) => (
                <Route key={r.path} path={r.path} element={<Page route={r} />} />
              ))}
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </AuthProvider>
    </ConfigProvider>
  );
}
