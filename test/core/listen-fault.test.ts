import { describe, expect, it } from 'vitest';
import { listenFault } from '../../src/core/listen-fault.js';

const KEYS = { host: '--host', port: '--port' };

describe('listenFault', () => {
  it.each([
    ['EADDRINUSE', 'Pick another --port'],
    ['EACCES', 'pick a --port above 1023'],
    ['EADDRNOTAVAIL', '--host must be an address of this machine'],
    ['ENOTFOUND', '--host must be an address of this machine'],
    ['EAI_AGAIN', '--host must be an address of this machine'],
  ])('reads %s as an input mistake, naming the setting to change', (code, hint) => {
    expect(listenFault(code, KEYS)).toEqual({ inputMistake: true, hint: expect.stringContaining(hint) as unknown });
  });

  it('reads any other failure as not the input’s', () => {
    expect(listenFault('EMFILE', KEYS).inputMistake).toBe(false);
    expect(listenFault(undefined, KEYS).inputMistake).toBe(false);
  });
});
