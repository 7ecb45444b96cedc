import { Button } from 'antd';
import { useEffect } from 'react';
import { Link } from 'react-router';

/** Any route not in the route table. */
export default function NotFoundPage() {
  useEffect(() => {
    document.title = '页面不存在 - 电子招标投标交易平台';
  }, []);
  return (
    <div className="plain-result">
      <div className="plain-result-code">404</div>
      <h2>页面不存在</h2>
      <p>您访问的页面不存在或已被移除。</p>
      <Link to="/">
        <Button type="primary">返回首页</Button>
      </Link>
    </div>
  );
}
