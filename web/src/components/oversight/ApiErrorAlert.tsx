import { Alert } from 'antd';
import { ApiError, errorText } from '@/api/errors';

/**
 * An error from the API, shown clearly (role `alert`): the Chinese text for its code, the field-by-field details of
 * a 400 VALIDATION_FAILED (`[{ field, errors }]`, API.md "Conventions") with the fields named in Chinese when the
 * page knows them, the HTTP status and the request id to quote to the trading centre's help desk.
 */
export function ApiErrorAlert({ error, fields, onClose }: { error: unknown; fields?: Record<string, string>; onClose?: () => void }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  const details = e && Array.isArray(e.details) ? e.details : [];
  const lines = details.map((d) => {
    if (d && typeof d === 'object' && 'field' in d) {
      const { field, errors } = d as { field: string; errors?: string[] };
      return `${fieldName(field, fields)}：${(errors ?? []).join('；')}`;
    }
    return typeof d === 'string' ? d : JSON.stringify(d);
  });
  const message = e ? describe(e) : errorText(error);
  return (
    <Alert
      type="error"
      showIcon
      closable={!!onClose}
      onClose={onClose}
      title={message}
      description={
        e ? (
          <>
            {lines.length > 0 && (
              <ul style={{ margin: '4px 0', paddingInlineStart: 20 }}>
                {lines.map((l, i) => (
                  <li key={i}>{l}</li>
                ))}
              </ul>
            )}
            <span style={{ color: '#888', fontSize: 12 }}>
              HTTP {e.status} · {e.code}
              {e.requestId ? ` · 请求编号 ${e.requestId}` : ''}
            </span>
          </>
        ) : undefined
      }
      style={{ marginBottom: 12 }}
    />
  );
}

function describe(e: ApiError): string {
  // VALIDATION_FAILED: the generic text; the details are listed below it.
  return e.code === 'VALIDATION_FAILED' ? '填写的内容不符合要求' : e.chineseMessage;
}

function fieldName(field: string, fields?: Record<string, string>): string {
  if (fields?.[field]) return fields[field];
  const head = field.split('.')[0];
  if (fields?.[head]) return `${fields[head]}（${field.slice(head.length + 1)}）`;
  return field;
}
