import { HandshakeClient } from '../../client/index';
import { access, constants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Response } from 'playwright-core';

/** Debian's chromium (installed by .ci/run); playwright-core downloads no browser of its own. */
export const CHROMIUM = process.env.HANDSHAKE_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, sandbox off (root), and nothing that calls out to the network on its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Where the screenshots go (git-ignored). */
export const RESULTS = resolve(fileURLToPath(import.meta.url), '../../../test-results');

/**
 * A fresh Chromium with an empty profile. playwright-core refuses --user-data-dir in launch() args, so a
 * persistent context takes the folder instead; `close` removes it.
 */
export async function launchChromium(profilePrefix: string): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package as .ci/run does, or set HANDSHAKE_CHROMIUM`);
  });
  const userDataDir = await mkdtemp(join(tmpdir(), profilePrefix));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot under test-results/, named after what it shows; prints and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS, { recursive: true });
  const path = join(RESULTS, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

/** Fills the demo provider's login page, then its consent page, as a person would; the last click leaves for the callback. */
export async function throughProvider(page: Page, login: string): Promise<void> {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any password');
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
  await page.click('button[type="submit"]');
}

/**
 * The Content Security Policy violations Chromium reports on the page's console ("Refused to send form data
 * to ... because it violates ... form-action", "Refused to execute inline script ..."), from now on.
 */
export function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** What the agent asked the system browser to open, and the navigation that followed (its first page's answer). */
export interface Opened {
  url: string;
  navigation: Promise<Response | null>;
}

/**
 * The `openBrowser` of an IDE that opens the system browser: it hands the URL to `page` and returns, without
 * waiting for the person to finish (the agent keeps going: it listens on loopback, or claims). `opened(handshake)`
 * resolves with the next URL the agent opened, and fails at once if `handshake` ends before opening one.
 */
/** The agent as an IDE runs it, named "VS Code", opening `page` as the system browser. */
export function vsCode(page: Page, stack: { apiUrl: string; wsUrl: string }, options: { pollIntervalMs?: number } = {}) {
  const ide = systemBrowser(page);
  const client = new HandshakeClient({ apiUrl: stack.apiUrl, wsUrl: stack.wsUrl, clientName: 'VS Code', openBrowser: ide.openBrowser, timeoutMs: 60_000, ...options });
  return { client, opened: ide.opened };
}

export function systemBrowser(page: Page): { openBrowser: (url: string) => void; opened: (handshake: Promise<unknown>) => Promise<Opened> } {
  const unseen: Opened[] = [];
  const waiting: Array<(opened: Opened) => void> = [];
  return {
    openBrowser(url) {
      const navigation = page.goto(url);
      // Awaited by the test through `opened`, if at all: never an unhandled rejection when the test moves on first.
      navigation.catch(() => undefined);
      const opened = { url, navigation };
      const waiter = waiting.shift();
      if (waiter) waiter(opened);
      else unseen.push(opened);
    },
    opened(handshake) {
      const next = unseen.shift();
      if (next) return Promise.resolve(next);
      const ended = handshake.then(
        (answer) => Promise.reject(new Error(`the agent finished before opening a browser: ${JSON.stringify(answer)}`)),
        (err: unknown) => Promise.reject(err),
      );
      return Promise.race([new Promise<Opened>((resolve) => waiting.push(resolve)), ended]);
    },
  };
}
