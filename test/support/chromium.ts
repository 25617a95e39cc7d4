/** Debian's Chromium, driven by playwright-core. A missing browser fails the test; it never skips. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `This test needs Chromium at ${CHROMIUM}. Install the Debian "chromium" package: apt-get install -y chromium (.ci/run installs it).`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the networking flags Chromium keeps calling out to Google's hosts, which this network refuses.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
