import { existsSync } from 'node:fs';

/** Where Chromium is; CI installs Debian's package there. */
export const CHROMIUM = process.env['MISSO_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for a headless Chromium that talks to nobody but the page's server. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--metrics-recording-only',
];

/**
 * Whether the browser tests run. A fresh machine without Chromium skips them with one line
 * saying how to enable them; under `CI=true` they always run, so a CI image without Chromium
 * fails instead of passing quietly.
 */
export function browserTestsEnabled(suite: string): boolean {
  if (existsSync(CHROMIUM) || process.env['CI'] === 'true') return true;
  process.stderr.write(
    `${suite}: skipped, no Chromium at ${CHROMIUM}. Enable: apt-get install chromium (or set MISSO_CHROMIUM=/path/to/chromium); CI=true makes a missing Chromium fail.\n`,
  );
  return false;
}

/** The error a run that must have Chromium fails with. */
export function missingChromium(): Error {
  return new Error(
    `Chromium not found at ${CHROMIUM}: the dashboard test needs a real browser. ` +
      'Install it (apt-get update && apt-get install -y chromium) or set MISSO_CHROMIUM to its path.',
  );
}
