import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { WEB_ROOT } from '../../src/http/plugins/web.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = join(PROJECT_ROOT, 'docs/screenshots');
const CHROMIUM = '/usr/bin/chromium';

/** The newest modification time under `path`. */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/**
 * `npm test` builds the web UI before the suite; a test run on its own builds it here when
 * dist/web is missing or older than web/. A lock directory keeps parallel test files from
 * building at the same time.
 */
export function ensureWebBuild(): void {
  const index = join(WEB_ROOT, 'index.html');
  const sources = Math.max(...['web', 'src/domain/scopes.ts', 'src/domain/access-levels.ts', 'src/domain/ip-allowlist.ts'].map((path) => newestMtime(join(PROJECT_ROOT, path))));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const lock = join(PROJECT_ROOT, 'dist/.web-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building: wait for them, then use their build.
      spawnSync('sleep', ['0.5']);
      if (existsSync(index) && statSync(index).mtimeMs >= sources && !existsSync(lock)) return;
    }
  }
  try {
    const build = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

/** Debian's Chromium, headless; Playwright gives every launch a fresh --user-data-dir of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Problems the page reports: script errors and Content-Security-Policy violations. */
/** A desktop-sized page in a fresh browser, with its console errors and CSP violations collected. */
export async function openBrowserPage(): Promise<{ browser: Browser; context: BrowserContext; page: Page; problems: string[] }> {
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { browser, context, page, problems: watchForPageProblems(page) };
}

function watchForPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

export async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement);
}

/** Presses Tab until `locator` has the focus, the way a keyboard user would get there. */
export async function tabTo(page: Page, locator: Locator, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await isFocused(locator)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`could not reach ${locator} with Tab`);
}

/** True when nothing sticks out sideways (the page fits a phone's width). */
export function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

/**
 * Renders the page either way (a page that cannot be drawn fails the test), but writes the
 * committed docs/screenshots only when asked: `UPDATE_SCREENSHOTS=1 npm test`.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const image = await page.screenshot({ fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  writeFileSync(join(SCREENSHOTS, `${name}.png`), image);
}

/** Signs in through the sign-in page. */
export async function signInThroughUi(page: Page, baseUrl: string, login: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/users/sign_in`);
  await page.getByLabel('Username or primary email').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/users/sign_in');
}

/** YYYY-MM-DD, `days` after today (UTC). */
export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The API as a token holder calls it, and what it says about a token value (200 while it works). */
export function apiAs(baseUrl: string, token: string) {
  const call = (path: string, init: RequestInit = {}, as = token) =>
    fetch(`${baseUrl}/api/v4${path}`, { ...init, headers: { 'private-token': as, 'content-type': 'application/json', ...init.headers } });
  const selfStatus = async (value: string) => (await call('/personal_access_tokens/self', {}, value)).status;
  return { call, selfStatus };
}

/** Position in the document (not the viewport), to tell layout shifts from scrolling. */
export const documentTop = (page: Page, selector: string) =>
  page.locator(selector).evaluate((element) => element.getBoundingClientRect().top + window.scrollY);
