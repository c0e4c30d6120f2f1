import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium (installed by .ci/run); playwright-core downloads no browser of its own. */
export const CHROMIUM = process.env.HANDSHAKE_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, sandbox off (root), and nothing that calls out to the network on its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

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
