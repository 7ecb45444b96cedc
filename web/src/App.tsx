import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { lazy, useEffect } from 'react';
import { createBrowserRouter, RouterProvider, useLocation } from 'react-router';
import { AuthProvider } from '@/auth/AuthContext';
import { RouteGuard } from '@/auth/RouteGuard';
import { AppLayout } from '@/layout/AppLayout';
import NotFoundPage from '@/pages/NotFoundPage';
import { ConsoleRoute, routes } from '@/routes';

dayjs.locale('zh-cn');

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

const lazyPages = new Map(routes.map((r) => [r, lazy(r.load)]));

const router = createBrowserRouter([
  {
    element: <AppLayout />,
    children: [
      ...routes.map((r) => ({ path: r.path, element: <Page route={r} /> })),
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function App() {
  return (
    // button.autoInsertSpace off: antd would render 登录 as "登 录" and break the accessible names of UI.md.
    <ConfigProvider locale={zhCN} button={{ autoInsertSpace: false }} theme={{ token: { colorPrimary: '#b71c1c', borderRadius: 4 } }}>
      <AntApp>
        <AuthProvider>
          <RouterProvider router={router} />
        </AuthProvider>
      </AntApp>
    </ConfigProvider>
  );
}
