import { App } from 'antd';
import type { ComponentType } from 'react';

/**
 * antd's App context (the `message` and `modal` of `App.useApp()`) for one route's pages. The shell leaves `<App>` out
 * to keep every role's first load small, so a page that uses `App.useApp()` is exported through this wrapper.
 */
export function withAntdApp<P extends object>(Page: ComponentType<P>): ComponentType<P> {
  function Scoped(props: P) {
    return (
      <App component={false}>
        <Page {...props} />
      </App>
    );
  }
  Scoped.displayName = `withAntdApp(${Page.displayName ?? Page.name})`;
  return Scoped;
}
