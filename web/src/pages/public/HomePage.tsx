import { Card, Col, Row, Typography } from 'antd';
import { Link } from 'react-router';
import { ROLE_TEXT } from '@/api/types';
import { useAuth } from '@/auth/AuthContext';
import { routes } from '@/routes';

/** / — the portal's front page: what the platform is and where each role goes. */
export default function HomePage() {
  const { me } = useAuth();
  const mine = routes.filter((r) => r.nav && (r.access === 'public' || (me && Array.isArray(r.access) && r.access.includes(me.role))));
  return (
    <>
      <Typography.Title level={2}>电子招标投标交易平台</Typography.Title>
      <Typography.Paragraph>
        依据《招标投标法》《电子招标投标办法》建设的公共资源电子交易平台：项目公告、在线投标（浏览器内加密）、 电子开标、评标、公示与合同全程留痕。
      </Typography.Paragraph>
      {me && <Typography.Paragraph>您好，{ROLE_TEXT[me.role]}。</Typography.Paragraph>}
      <Row gutter={[16, 16]}>
        {mine.map((r) => (
          <Col key={r.path} xs={24} sm={12} md={8}>
            <Link to={r.path}>
              <Card hoverable title={r.nav}>
                {r.title}
              </Card>
            </Link>
          </Col>
        ))}
      </Row>
    </>
  );
}
