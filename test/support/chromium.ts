import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Starts Debian's Chromium headless for a browser test. Playwright gives every launch a fresh
 * temporary profile (user-data-dir) and removes it on close. No sandbox (tests run as root), and
 * no requests of the browser's own (component updates, background networking).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
}
