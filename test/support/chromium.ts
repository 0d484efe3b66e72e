import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Launches Debian's Chromium headless with no background traffic (component updates, safe
 * browsing lists), so a test that watches requests sees only the page's own. Each launch gets a
 * fresh profile: Playwright creates a temporary user-data-dir and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
}
