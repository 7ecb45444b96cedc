import { ApiError } from './errors';
import { recordServerDate } from './server-clock';

/**
 * The typed client of the public API (/api/v1, API.md). Every call goes through `request`: bearer token, JSON,
 * errors turned into ApiError with the API's code, and the server's clock sampled from the Date header.
 */
export const API_BASE = '/api/v1';

let token: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setAccessToken(t: string | null): void {
  token = t;
}
export function getAccessToken(): string | null {
  return token;
}
/** Called when an authenticated call answers 401 (the token expired): the auth context logs out. */
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  signal?: AbortSignal;
  /** Return the raw Response (downloads). */
  raw?: boolean;
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `${API_BASE}${path}${s ? `?${s}` : ''}`;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const sentAt = Date.now();
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', (e as Error).message);
  }
  recordServerDate(res.headers.get('Date'), sentAt, Date.now());
  if (!res.ok) {
    let body: { code?: string; message?: string; details?: unknown[]; requestId?: string } = {};
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    const err = new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText, body.details, body.requestId);
    if (res.status === 401 && token && onUnauthenticated) onUnauthenticated();
    throw err;
  }
  if (opts.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, opts?: Omit<RequestOptions, 'body'>) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body: body ?? {} }),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, { ...opts, body }),
  delete: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
  /** A file from the API (PDFs, documents) as a Blob, with the bearer token. */
  blob: async (path: string): Promise<Blob> => (await request<Response>('GET', path, { raw: true })).blob(),
};

/** Saves a Blob as a file download in the browser. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
