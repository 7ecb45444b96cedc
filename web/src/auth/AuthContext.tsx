import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, setAccessToken, setUnauthenticatedHandler } from '@/api/client';
import type { Me, Role } from '@/api/types';

/**
 * Who is logged in. The token comes from POST /auth/login and is kept in localStorage (so every tab of the console
 * shares the session); GET /me tells the role, the organisation and the name shown in the header.
 */
const STORAGE_KEY = 'ebid.accessToken';

export interface AuthState {
  /** undefined while the stored token is being checked, null when logged out. */
  me: Me | null | undefined;
  login(username: string, password: string): Promise<Me>;
  logout(): void;
  /** Re-reads GET /me (after the organisation changes). */
  refresh(): Promise<void>;
  hasRole(...roles: Role[]): boolean;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const logout = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    setAccessToken(null);
    setMe(null);
  }, []);

  const loadMe = useCallback(async () => {
    const m = await api.get<Me>('/me');
    setMe(m);
    return m;
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(logout);
    const stored = localStorage.getItem(STORAGE_KEY);
    if (!stored) {
      setMe(null);
      return;
    }
    setAccessToken(stored);
    loadMe().catch(() => logout());
    // Another tab logged in or out.
    const onStorage = (e: StorageEvent) => {
      if (e.key !== STORAGE_KEY) return;
      if (e.newValue) {
        setAccessToken(e.newValue);
        loadMe().catch(() => logout());
      } else {
        setAccessToken(null);
        setMe(null);
      }
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [loadMe, logout]);

  const login = useCallback(
    async (username: string, password: string) => {
      const { accessToken } = await api.post<{ accessToken: string }>('/auth/login', { username, password });
      setAccessToken(accessToken);
      localStorage.setItem(STORAGE_KEY, accessToken);
      return loadMe();
    },
    [loadMe],
  );

  const value = useMemo<AuthState>(
    () => ({
      me,
      login,
      logout,
      refresh: async () => void (await loadMe()),
      hasRole: (...roles) => !!me && roles.includes(me.role),
    }),
    [me, login, logout, loadMe],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The display name of the logged-in user: the organisation's name for bidders and procuring entities. */
export function displayName(me: Me): string {
  return me.organization ? `${me.organization.name}（${me.username}）` : me.username;
}
