import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';

describe('the logger', () => {
  it('writes JSON lines to its file with secrets redacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misso-log-'));
    const file = join(dir, 'misso.log');
    const logger = createLogger({ level: 'info', file, silent: true });
    logger.info({ exchange: { id: 'binanceusdm', apiKey: 'AKIA-SECRET-1', secret: 'S3CR3T' }, token: 'bot123:abc' }, 'built');
    // The file is written by pino's transport thread: wait until the line lands.
    for (let i = 0; i < 100 && !(existsSync(file) && readFileSync(file, 'utf8').includes('built')); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({ msg: 'built', exchange: { id: 'binanceusdm', apiKey: '[redacted]', secret: '[redacted]' }, token: '[redacted]' });
    expect(readFileSync(file, 'utf8')).not.toMatch(/AKIA-SECRET-1|S3CR3T|bot123/);
    rmSync(dir, { recursive: true, force: true });
  });
});
