/**
 * The browser-test harness (web/CONSOLE_GUIDE.md "Browser tests"): the real AppModule with workers on a free port
 * against the real PostgreSQL and Redis (createTestApp), the console's build served by it at /, and Debian's
 * chromium-headless-shell driven by playwright-core. Every page opened through `openPage` fails the test on a console
 * error or an uncaught page error (`assertClean`), and `screenshot` writes docs/screenshots/<name>.png.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync } from 'fs';
import { join, resolve } from 'path';
import { type AddressInfo } from 'net';
import { type Browser, type BrowserContext, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app';

export const ROOT = resolve(__dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** Where Debian's chromium-headless-shell package puts the browser (`dpkg -L chromium-headless-shell`). */
const BROWSER_PATHS = ['/usr/bin/chromium-headless-shell', '/usr/lib/chromium/chromium-headless-shell'];
export const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function browserExecutable(): string {
  const found = BROWSER_PATHS.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `chromium-headless-shell not found (looked in ${BROWSER_PATHS.join(', ')}): ` +
        '`npm test` installs it with apt-get when run as root (scripts/setup.sh --test); else `apt-get install chromium-headless-shell fonts-wqy-microhei`',
    );
  }
  return found;
}

/** The console's build (web/dist), rebuilt when its sources are newer (the same script as setup.sh; fast when fresh). */
let built = false;
export function ensureConsoleBuilt(): void {
  if (built) return;
  execFileSync('bash', [join(ROOT, 'scripts', 'build-console.sh')], { stdio: 'inherit' });
  built = true;
}

export interface ConsoleServer {
  t: TestApp;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Boots the app (workers on, LEGAL_PERIODS=relaxed unless overridden) on a free port and launches the browser. */
export async function startConsole(opts: TestAppOptions = {}): Promise<ConsoleServer> {
  ensureConsoleBuilt();
  const t = await createTestApp({ workers: true, ...opts, env: { LEGAL_PERIODS: 'relaxed', ...(opts.env ?? {}) } });
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const browser = await chromium.launch({ executablePath: browserExecutable(), args: BROWSER_ARGS });
  return {
    t,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      await t.close();
    },
  };
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and page errors seen so far. */
  errors: string[];
  /** Throws when the page logged a console error or threw an uncaught error. */
  assertClean(): void;
  close(): Promise<void>;
}

/**
 * A fresh browser context (own localStorage: own login) and page on the console, watched for console errors and
 * page errors. `allowConsoleErrors` lists patterns of expected errors (e.g. the browser's own log line for an
 * intended 401 response), which are not counted.
 */
export async function openPage(
  server: ConsoleServer,
  o: { viewport?: { width: number; height: number }; allowConsoleErrors?: RegExp[]; timezoneId?: string } = {},
): Promise<WatchedPage> {
  const context = await server.browser.newContext({
    baseURL: server.baseUrl,
    viewport: o.viewport ?? DESKTOP,
    locale: 'zh-CN',
    timezoneId: o.timezoneId ?? 'Asia/Shanghai',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  const allowed = o.allowConsoleErrors ?? [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    const text = `${msg.text()} @ ${msg.location().url}`;
    if (!allowed.some((re) => re.test(text))) errors.push(`console.error: ${text}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return {
    page,
    context,
    errors,
    assertClean() {
      if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
    },
    close: () => context.close(),
  };
}

/**
 * The browser logs every HTTP error response it receives ("Failed to load resource: … 401") as a console error.
 * A test that provokes one on purpose (a wrong password) passes this pattern to openPage({ allowConsoleErrors }).
 */
export const expectedHttpError = (status: number) => new RegExp(`Failed to load resource: the server responded with a status of ${status}`);

/** Full-page screenshot to docs/screenshots/<name>.png (committed; README shows some). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** Logs in through the /login form and waits for the header's `退出`. */
export async function loginAs(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByRole('textbox', { name: '用户名' }).fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('button', { name: '退出' }).waitFor();
}

/** No horizontal overflow: the page is not wider than the viewport. */
export async function assertNoHorizontalOverflow(page: Page): Promise<void> {
  // Runs in the page (the root tsconfig has no DOM types, hence globalThis).
  const { scrollWidth, innerWidth } = await page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return { scrollWidth: w.document.documentElement.scrollWidth, innerWidth: w.innerWidth };
  });
  if (scrollWidth > innerWidth) throw new Error(`the page overflows: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
}

/**
 * Retries an assertion until it passes or the deadline (ms) is reached, then throws its last error: for values that
 * change on the page by themselves (countdowns, live tables). Never a fixed sleep.
 */
export async function eventually<T>(assertion: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Picks an option of the open antd Select dropdown by its text (the dropdown lives in a portal under <body>). */
export async function pickOption(page: Page, text: string): Promise<void> {
  await page.locator(`.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="${text}"]`).click();
}
