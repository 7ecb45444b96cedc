import { Button, Spin } from 'antd';
import { Fragment, type CSSProperties, type ReactNode, useState } from 'react';
import './oversight.css';

export interface Column<T> {
  title: ReactNode;
  /** Identifies the column (sorting, React keys); defaults to dataIndex. */
  key?: string;
  dataIndex?: keyof T & string;
  render?: (value: any, row: T, index: number) => ReactNode;
  width?: number | string;
  align?: 'left' | 'right' | 'center';
  /** Shows a sort button in the header; the page sorts (onSort). */
  sortable?: boolean;
  ellipsis?: boolean;
  nowrap?: boolean;
}

export type SortOrder = 'ascend' | 'descend';

export interface DataTableProps<T> {
  'aria-label': string;
  columns: Array<Column<T>>;
  dataSource: T[];
  rowKey: (keyof T & string) | ((row: T) => string);
  loading?: boolean;
  emptyText?: ReactNode;
  size?: 'small' | 'middle' | 'large';
  bordered?: boolean;
  /** table-layout: fixed, with the columns' widths (long text wraps or is cut with an ellipsis). */
  fixed?: boolean;
  /** The table scrolls vertically inside this height (the header stays). */
  maxHeight?: number;
  minWidth?: number;
  pagination?: { current: number; pageSize: number; total: number; onChange: (page: number) => void } | false;
  expandable?: { render: (row: T) => ReactNode };
  sort?: { key: string; order: SortOrder } | null;
  onSort?: (sort: { key: string; order: SortOrder } | null) => void;
  style?: CSSProperties;
}

const SORT_TEXT: Record<SortOrder, 'ascending' | 'descending'> = { ascend: 'ascending', descend: 'descending' };

/**
 * A plain <table> in antd's look for the oversight pages (antd's Table is ≈77 KB gzipped): columns with render
 * functions, header sort buttons (aria-sort), expandable rows (a button "展开行"/"收起行"), a simple pager, and an
 * empty text. Rows are real table rows, found by role as UI.md asks.
 */
export function DataTable<T>(p: DataTableProps<T>) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const keyOf = (r: T) => (typeof p.rowKey === 'function' ? p.rowKey(r) : String(r[p.rowKey]));
  const colKey = (c: Column<T>, i: number) => c.key ?? c.dataIndex ?? String(i);
  const span = p.columns.length + (p.expandable ? 1 : 0);
  const pages = p.pagination ? Math.max(1, Math.ceil(p.pagination.total / p.pagination.pageSize)) : 1;
  const cycle = (key: string) => {
    if (!p.onSort) return;
    const cur = p.sort?.key === key ? p.sort.order : null;
    p.onSort(cur === null ? { key, order: 'descend' } : cur === 'descend' ? { key, order: 'ascend' } : null);
  };
  const cls = ['ov-table', p.size === 'small' ? 'ov-small' : p.size === 'middle' ? 'ov-middle' : '', p.bordered ? 'ov-bordered' : '', p.fixed ? 'ov-fixed' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div style={p.style}>
      <Spin spinning={!!p.loading}>
        <div className={`ov-table-wrap${p.maxHeight ? ' ov-scroll-y' : ''}`} style={p.maxHeight ? { maxHeight: p.maxHeight } : undefined}>
          <table className={cls} aria-label={p['aria-label']} style={p.minWidth ? { minWidth: p.minWidth } : undefined}>
            {p.fixed && (
              <colgroup>
                {p.expandable && <col style={{ width: 44 }} />}
                {p.columns.map((c, i) => (
                  <col key={colKey(c, i)} style={c.width !== undefined ? { width: c.width } : undefined} />
                ))}
              </colgroup>
            )}
            <thead>
              <tr>
                {p.expandable && <th style={{ width: 44 }} aria-label="展开" />}
                {p.columns.map((c, i) => {
                  const k = colKey(c, i);
                  const order = p.sort?.key === k ? p.sort.order : null;
                  return (
                    <th
                      key={k}
                      scope="col"
                      className={c.align && c.align !== 'left' ? `ov-${c.align}` : undefined}
                      style={!p.fixed && c.width !== undefined ? { width: c.width } : undefined}
                      aria-sort={c.sortable ? (order ? SORT_TEXT[order] : 'none') : undefined}
                    >
                      {c.sortable ? (
                        <button type="button" className="ov-sort" onClick={() => cycle(k)}>
                          {c.title}
                          <span className={`ov-sort-mark${order ? ' ov-on' : ''}`} aria-hidden>
                            {order === 'ascend' ? '▲' : order === 'descend' ? '▼' : '⇅'}
                          </span>
                        </button>
                      ) : (
                        c.title
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {p.dataSource.length === 0 ? (
                <tr>
                  <td className="ov-empty" colSpan={span}>
                    {p.loading ? '加载中…' : (p.emptyText ?? '暂无数据')}
                  </td>
                </tr>
              ) : (
                p.dataSource.map((r, ri) => {
                  const k = keyOf(r);
                  const expanded = open.has(k);
                  return (
                    <Fragment key={k}>
                      <tr>
                        {p.expandable && (
                          <td>
                            <button
                              type="button"
                              className="ov-expand"
                              aria-label={expanded ? '收起行' : '展开行'}
                              aria-expanded={expanded}
                              onClick={() =>
                                setOpen((s) => {
                                  const n = new Set(s);
                                  if (n.has(k)) n.delete(k);
                                  else n.add(k);
                                  return n;
                                })
                              }
                            >
                              {expanded ? '−' : '+'}
                            </button>
                          </td>
                        )}
                        {p.columns.map((c, ci) => {
                          const v = c.dataIndex ? r[c.dataIndex] : undefined;
                          const content = c.render ? c.render(v, r, ri) : (v as ReactNode);
                          const cl = [c.align && c.align !== 'left' ? `ov-${c.align}` : '', c.ellipsis ? 'ov-ellipsis' : '', c.nowrap ? 'ov-nowrap' : ''].filter(Boolean).join(' ');
                          return (
                            <td key={colKey(c, ci)} className={cl || undefined} title={c.ellipsis && typeof content === 'string' ? content : undefined}>
                              {content as ReactNode}
                            </td>
                          );
                        })}
                      </tr>
                      {p.expandable && expanded && (
                        <tr className="ov-expanded">
                          <td colSpan={span}>{p.expandable.render(r)}</td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })
              )}
            </tbody>
          </table>
        </div>
      </Spin>
      {p.pagination && pages > 1 && (
        <nav className="ov-pager" aria-label={`${p['aria-label']}分页`}>
          <Button size="small" disabled={p.pagination.current <= 1} onClick={() => p.pagination && p.pagination.onChange(p.pagination.current - 1)}>
            上一页
          </Button>
          <span>
            第 {p.pagination.current} / {pages} 页，共 {p.pagination.total} 条
          </span>
          <Button size="small" disabled={p.pagination.current >= pages} onClick={() => p.pagination && p.pagination.onChange(p.pagination.current + 1)}>
            下一页
          </Button>
        </nav>
      )}
    </div>
  );
}
