import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { UserError } from '../../src/core/errors.js';
import { OrderJournal } from '../../src/orders/journal.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'misso-journal-lock-'));
  dirs.push(d);
  return d;
}

/** Another process that opens the journal at `path` and holds it (`env`: its environment, ours by default). */
function holdInChild(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const fixture = join(import.meta.dirname, '../storage/fixtures/hold-journal.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
}

function refusal(path: string): UserError {
  try {
    OrderJournal.open({ path, clock: new VirtualClock() }).close();
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error(`a second writer opened ${path}`);
}

describe('one journal, one writer (issue 8 item 16)', () => {
  it('refuses a second process that reaches the journal through a symlink, naming the holder', async () => {
    const d = tmp();
    const real = join(d, 'misso.db');
    const link = join(d, 'link.db');
    symlinkSync(real, link);
    const holder = await holdInChild(real);
    expect(refusal(link).message).toMatch(new RegExp(`in use by pid ${holder.pid}`));
  }, 20_000);

  it('refuses it through a symlinked directory and through a dangling symlink made before the journal existed', async () => {
    const d = tmp();
    mkdirSync(join(d, 'data'));
    symlinkSync(join(d, 'data'), join(d, 'alias'));
    symlinkSync(join(d, 'data', 'misso.db'), join(d, 'early.db'));
    const holder = await holdInChild(join(d, 'alias', 'misso.db'));
    expect(refusal(join(d, 'data', 'misso.db')).message).toContain(`pid ${holder.pid}`);
    expect(refusal(join(d, 'early.db')).message).toContain(`pid ${holder.pid}`);
  }, 20_000);

  it('refuses a hard link to a held journal, naming the holder (the file is locked by its identity, not only its name)', async () => {
    const d = tmp();
    const real = join(d, 'misso.db');
    const holder = await holdInChild(real);
    const hard = join(d, 'hard.db');
    linkSync(real, hard);
    expect(holder.exitCode).toBeNull();
    expect(refusal(hard).message).toMatch(new RegExp(`hard\\.db is in use by pid ${holder.pid}`));
  }, 20_000);

  it('refuses a hard link to a held journal when the holder\'s identity lock is in another temp directory (its own TMPDIR)', async () => {
    const d = tmp();
    const real = join(d, 'misso.db');
    // A journal whose schema is in the file itself (closed once), not only in the holder's log.
    OrderJournal.open({ path: real, clock: new VirtualClock() }).close();
    // The holder locks the identity in <its TMPDIR>/misso-locks, where this process never looks:
    // SQLite's own lock must stop the second name, or each name writes a log of its own.
    const holder = await holdInChild(real, { ...process.env, TMPDIR: tmp() });
    const hard = join(d, 'hard.db');
    linkSync(real, hard);
    expect(holder.exitCode).toBeNull();
    expect(refusal(hard).message).toMatch(/hard\.db is locked by another process/);
  }, 20_000);

  it('opens the journal again once its holder is killed (its stale name and identity locks are taken over)', async () => {
    const d = tmp();
    const real = join(d, 'misso.db');
    const holder = await holdInChild(real);
    const hard = join(d, 'hard.db');
    linkSync(real, hard);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    // The intent is in the holder's WAL, which belongs to the name it opened.
    const journal = OrderJournal.open({ path: real, clock: new VirtualClock() });
    expect(journal.all().map((o) => o.symbol)).toEqual(['BTC/USD:USD']);
    journal.close();
  }, 20_000);

  it('refuses a second open in the same process through a symlink', () => {
    const d = tmp();
    const real = join(d, 'misso.db');
    symlinkSync(real, join(d, 'link.db'));
    const j = OrderJournal.open({ path: real, clock: new VirtualClock() });
    expect(refusal(join(d, 'link.db')).message).toMatch(/already open in this process/);
    j.close();
    OrderJournal.open({ path: join(d, 'link.db'), clock: new VirtualClock() }).close();
  });
});

describe('the identity locks directory (<tmpdir>/misso-locks)', () => {
  const saved = process.env['TMPDIR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
  });

  it('is made shared by every user (sticky, world-writable) whatever the umask, or other users get no identity lock', () => {
    process.env['TMPDIR'] = tmp();
    const umask = process.umask(0o022);
    try {
      OrderJournal.open({ path: join(tmp(), 'misso.db'), clock: new VirtualClock() }).close();
    } finally {
      process.umask(umask);
    }
    expect(statSync(join(process.env['TMPDIR'], 'misso-locks')).mode & 0o7777).toBe(0o1777);
  });

  it('a missing tmpdir is not created (nor made world-writable): the journal opens on its name lock and reopens', () => {
    const missing = join(tmp(), 'no-such-tmp');
    const path = join(tmp(), 'misso.db');
    process.env['TMPDIR'] = missing;
    OrderJournal.open({ path, clock: new VirtualClock() }).close();
    OrderJournal.open({ path, clock: new VirtualClock() }).close();
    expect(existsSync(missing)).toBe(false);
  });
});
