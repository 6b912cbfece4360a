/**
 * `misso sim-server`'s flags: a negative number after an option is that option's value (node's
 * parseArgs alone calls it ambiguous), and bad values are refused with exit 2 and a reason.
 */
import { describe, expect, it } from 'vitest';
import { simServerCommand } from '../../src/cli/sim-server.js';

async function run(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((err += s), true) } };
  const code = await simServerCommand(argv, io as never);
  return { code, err };
}

describe('misso sim-server flags', () => {
  it.each([
    [['--markets', '-1'], 'misso sim-server: --markets "-1" must be a whole number'],
    [['--markets', '0'], 'misso sim-server: --markets 0 must be from 1 to 5000'],
    // A negative offset is a value, read before the next flag's error.
    [['--clock-offset-ms', '-500', '--markets', '99999'], 'misso sim-server: --markets 99999 must be from 1 to 5000'],
    [['--port', '-80'], 'misso sim-server: --port "-80" must be a whole number'],
  ])('%j → exit 2, %s', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe(message);
    expect(err).not.toContain('ambiguous');
  });
});
