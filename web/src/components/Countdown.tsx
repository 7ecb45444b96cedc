import { Typography } from 'antd';
import { useEffect, useState } from 'react';
import { serverNow } from '@/api/server-clock';
import { formatDuration } from '@/lib/time';

/**
 * A live countdown to `until` on the server's clock (serverNow: the local clock corrected by the offset measured
 * from the API's responses). It recomputes from the clock every tick — never by counting ticks — so it is right
 * again at once after the tab slept or the laptop's clock was changed.
 */
export function useServerNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => serverNow());
  useEffect(() => {
    const tick = () => setNow(serverNow());
    const id = window.setInterval(tick, intervalMs);
    const onVisible = () => document.visibilityState === 'visible' && tick();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(id);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [intervalMs]);
  return now;
}

export function Countdown({ until, label, endedText = '已截止', testId }: { until: string | null | undefined; label?: string; endedText?: string; testId?: string }) {
  const now = useServerNow();
  if (!until) return null;
  const left = Date.parse(until) - now;
  return (
    <span className="countdown" data-testid={testId} role="timer" aria-label={label ?? '倒计时'} aria-live="off">
      {left > 0 ? (
        <Typography.Text strong style={{ fontVariantNumeric: 'tabular-nums' }}>
          {label ? `${label} ` : ''}
          {formatDuration(left)}
        </Typography.Text>
      ) : (
        <Typography.Text type="secondary">{endedText}</Typography.Text>
      )}
    </span>
  );
}
