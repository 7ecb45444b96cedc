import { Space, Tabs } from 'antd';
import { Title } from '@/components/oversight/Typo';
import { useSearchParams } from 'react-router';
import { ExpertPool } from './ExpertPool';
import { Holidays } from './Holidays';
import { SupervisionScopes } from './SupervisionScopes';
import { Users } from './Users';
import { withAntdApp } from '@/components/oversight/AntdAppScope';

/**
 * /admin — 系统管理 (UI.md): users (create, disable), the expert pool, the statutory holidays the legal periods count
 * with, the supervisors' scopes (监管范围, issue 19), and the queue dashboard (/admin/queues, served by the Nest process itself: a plain link, not a console route).
 */
function AdminPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'users';
  return (
    <>
      <Space align="baseline" wrap style={{ justifyContent: 'space-between', width: '100%' }}>
        <Title level={2} style={{ margin: 0 }}>
          系统管理
        </Title>
        <a href="/admin/queues" target="_blank" rel="noreferrer">
          队列监控面板
        </a>
      </Space>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams({ tab: k }, { replace: true })}
        items={[
          { key: 'users', label: '用户管理', children: <Users /> },
          { key: 'experts', label: '评标专家库', children: <ExpertPool /> },
          { key: 'holidays', label: '法定节假日', children: <Holidays /> },
          { key: 'scopes', label: '监管范围', children: <SupervisionScopes /> },
        ]}
      />
    </>
  );
}

export default withAntdApp(AdminPage);
