import type { CSSProperties, ReactNode } from 'react';
import './oversight.css';

/**
 * Headings and text in antd's Typography look, as plain elements (antd's Typography, with its copy/edit/ellipsis
 * machinery, weighs ≈31 KB gzipped: too much for the first load of these routes).
 */
type Tone = 'secondary' | 'danger' | undefined;
const cls = (...c: Array<string | false | undefined>) => c.filter(Boolean).join(' ');

export function Title({ level = 2, children, style }: { level?: 2 | 3 | 4 | 5; children: ReactNode; style?: CSSProperties }) {
  const H = `h${level}` as 'h2';
  return (
    <H className="ov-title" style={style}>
      {children}
    </H>
  );
}

export function Paragraph({ type, children, style }: { type?: Tone; children: ReactNode; style?: CSSProperties }) {
  return (
    <p className={cls('ov-p', type && `ov-${type}`)} style={style}>
      {children}
    </p>
  );
}

export function Text({
  type,
  strong,
  code,
  children,
  style,
  title,
}: {
  type?: Tone;
  strong?: boolean;
  code?: boolean;
  children: ReactNode;
  style?: CSSProperties;
  title?: string;
}) {
  const c = cls(type && `ov-${type}`, strong && 'ov-strong');
  const inner = code ? <code className="ov-code">{children}</code> : children;
  return (
    <span className={c || undefined} style={style} title={title}>
      {inner}
    </span>
  );
}

export const Typo = { Title, Paragraph, Text };
