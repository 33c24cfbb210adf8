/**
 * A real headless Chromium for the page tests (test/*.page.test.ts): the executable that
 * scripts/test.ts found or installed (REDIAL_TEST_CHROMIUM), driven by puppeteer-core. Without
 * one, the page tests skip and say how to install it.
 */
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { CHROMIUM_INSTALL_HINT } from '../../scripts/lib/tools';
import { useHarness } from './env';

const chromium = process.env.REDIAL_TEST_CHROMIUM;

/** The `skip` of a page test's describe(): false with a Chromium, else why not and how to get one. */
export const withoutChromium = chromium ? false : `no Chromium on this machine: ${CHROMIUM_INSTALL_HINT}, then run it again with npm test`;

/** What a page test leaves to look at afterwards (screenshots, downloads): test-artifacts/, never committed. */
export const artifactsDir = path.resolve(__dirname, '..', '..', 'test-artifacts');

function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // Chromium's sandbox cannot run as root; /dev/shm is small in containers
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'],
  });
}

/**
 * One Chromium for this test file (launched before its tests, closed after); `session()` opens a
 * private browser session (its own cookies and sessionStorage, as a new incognito window) whose
 * downloads, if asked for, land in `downloads`.
 */
export const useBrowser = () =>
  useHarness(
    async () => {
      fs.mkdirSync(artifactsDir, { recursive: true });
      const browser = await launchChromium();
      const session = async (downloads?: string): Promise<{ context: BrowserContext; page: Page }> => {
        const context = await browser.createBrowserContext(downloads ? { downloadBehavior: { policy: 'allow', downloadPath: downloads } } : {});
        const page = await context.newPage();
        await page.setViewport({ width: 1400, height: 1000 });
        return { context, page };
      };
      return { browser, session };
    },
    (h) => h.browser.close(),
  );
