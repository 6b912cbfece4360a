import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as cli } from '../support/cli-in-process.js';
import { UserError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Updater } from '../../src/engine/updater.js';

// A user's attack: `storage.path` naming a directory was refused with "cannot be written (unable
// to open database file); make the file and its directory writable", which sends them to chmod
// a directory that is writable already.
const dir = mkdtempSync(join(tmpdir(), 'misso-storage-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A config on the simulated exchange whose line 2 holds `storage.path` (and line 3 `logging.file`). */
function configFor(storagePath: string, logFile?: string): string {
  const file = join(dir, `config-${++n}.yaml`);
  const lines = ['storage:', `  path: ${JSON.stringify(storagePath)}`];
  if (logFile !== undefined) lines.push(`logging: {file: ${JSON.stringify(logFile)}}`);
  lines.push('class_attributes: {watch_list: ["BTC/USD:USD"]}', 'tasks:', '  t_update_tickers: {freq: 5}', '');
  writeFileSync(file, lines.join('\n'));
  return file;
}

const NO_STACK = /internal error|\n\s+at /;
const WRITABLE_HINT = /make the file and its directory writable/;

describe('storage.path naming a directory', () => {
  const journalDir = join(dir, 'journals');
  mkdirSync(journalDir, { recursive: true });

  for (const command of ['check', 'run']) {
    it(`misso ${command} refuses it at storage.path's line, saying it is a directory and which file to name`, async () => {
      const config = configFor(journalDir);
      const r = await cli(command === 'run' ? ['run', config, '--for', '1', '--log-level', 'error'] : ['check', config]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${config}:2:9: storage.path: \`${journalDir}\` is a directory, not a file`);
      expect(r.err).toContain(`storage.path must name a file, e.g. \`${join(journalDir, 'misso.db')}\``);
      expect(r.err).not.toMatch(WRITABLE_HINT);
      expect(r.err).not.toMatch(NO_STACK);
    });
  }

  it('misso check refuses a path spelled as a directory (a trailing slash), which would have made a file named like the directory', async () => {
    const config = configFor(join(dir, 'not-yet') + '/');
    const r = await cli(['check', config]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${config}:2:9: storage.path: \`${join(dir, 'not-yet')}/\` ends with a slash`);
    expect(r.err).toContain(join(dir, 'not-yet', 'misso.db'));
  });

  it('misso check refuses logging.file naming a directory the same way', async () => {
    const config = configFor(join(dir, 'j.db'), journalDir);
    const r = await cli(['check', config]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${config}:3:17: logging.file: \`${journalDir}\` is a directory, not a file`);
    expect(r.err).toContain(join(journalDir, 'misso.log'));
  });

  it('the library refuses it at start too, at the config line, when the directory appeared after the config was read', async () => {
    const later = join(dir, 'appears-later');
    const updater = await Updater.fromFile(configFor(later), { logger: silentLogger(), httpPort: null });
    mkdirSync(later);
    const error = await updater.start().then(
      () => null,
      (e: unknown) => e,
    );
    await updater.stop();
    expect(error).toBeInstanceOf(UserError);
    const message = (error as UserError).message;
    expect(message).toMatch(new RegExp(`config-\\d+\\.yaml:2:3: storage\\.path: journal ${later} is a directory`));
    expect(message).toContain(`storage.path must name a file in it, e.g. ${join(later, 'misso.db')}`);
    expect(message).not.toMatch(WRITABLE_HINT);
    expect((error as UserError).exitCode).toBe(2);
  });

  it('the library refuses a storagePath option naming a directory, without pointing at the config', async () => {
    const updater = await Updater.fromFile(configFor(join(dir, 'unused.db')), { logger: silentLogger(), httpPort: null, storagePath: journalDir });
    const error = await updater.start().then(
      () => null,
      (e: unknown) => e,
    );
    await updater.stop();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`journal ${journalDir} is a directory: storage.path must name a file in it, e.g. ${join(journalDir, 'misso.db')}`);
  });
});
