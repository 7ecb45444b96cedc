import type { ComponentType } from 'react';
import type { Role } from '@/api/types';

/**
 * THE route table of the console (UI.md "Routes and accessible names"). One line per page; each page is its own
 * lazily loaded chunk, so a role's first load carries only the shell and its own pages (bench/run.ts measures it).
 *
 *   access: 'public'  — anyone, logged in or not;
 *           'guest'   — only when logged out (login, register);
 *           Role[]    — logged in with one of these roles (others get 403, logged-out users go to /login).
 *   nav:    a label to show the page in the header menu (for the roles that may open it).
 *
 * Order matters only for the menu; matching is by react-router (most specific path wins).
 */
export type RouteAccess = 'public' | 'guest' | Role[];

export interface ConsoleRoute {
  path: string;
  access: RouteAccess;
  /** The document title (and menu label unless `nav` says otherwise). */
  title: string;
  nav?: string;
  load: () => Promise<{ default: ComponentType }>;
}

export const routes: ConsoleRoute[] = [
  // ── public and account ──────────────────────────────────────────────────────────────────────────────────────
  { path: '/', access: 'public', title: '首页', load: () => import('./pages/public/HomePage') },
  { path: '/login', access: 'guest', title: '登录', load: () => import('./pages/account/LoginPage') },
  { path: '/register', access: 'guest', title: '注册', load: () => import('./pages/account/RegisterPage') },
  { path: '/tenders', access: 'public', title: '招标项目', nav: '招标项目', load: () => import('./pages/tenders/TenderListPage') },
  { path: '/tenders/:id', access: 'public', title: '项目详情', load: () => import('./pages/tenders/TenderDetailPage') },
  // ── procuring entity (招标人) ───────────────────────────────────────────────────────────────────────────────
  { path: '/tenders/new', access: ['PROCURING_ENTITY'], title: '新建招标项目', nav: '新建项目', load: () => import('./pages/tenders/TenderNewPage') },
  // ── bidder (投标人) and the opening hall (participants, owner, supervisors) ─────────────────────────────────
  { path: '/tenders/:id/bid', access: ['BIDDER'], title: '投标', load: () => import('./pages/bid/LotBidPage') },
  { path: '/tenders/:id/opening', access: ['BIDDER', 'PROCURING_ENTITY', 'SUPERVISOR'], title: '开标大厅', load: () => import('./pages/opening/OpeningHallPage') },
  // ── expert, supervision, administration, statistics (slots: one line each) ──────────────────────────────────
  { path: '/expert', access: ['EXPERT'], title: '评标', nav: '评标任务', load: () => import('./pages/expert/ExpertPage') },
  { path: '/supervision', access: ['SUPERVISOR'], title: '监管', nav: '监管', load: () => import('./pages/supervision/SupervisionPage') },
  { path: '/admin', access: ['ADMIN'], title: '系统管理', nav: '系统管理', load: () => import('./pages/admin/AdminPage') },
  { path: '/statistics', access: 'public', title: '统计年报', nav: '统计', load: () => import('./pages/statistics/StatisticsPage') },
  // ── every logged-in user: the in-app inbox (站内信) ─────────────────────────────────────────────────────────────
  { path: '/inbox', access: ['ADMIN', 'PROCURING_ENTITY', 'BIDDER', 'EXPERT', 'SUPERVISOR'], title: '消息', nav: '消息', load: () => import('./pages/inbox/InboxPage') },
];
