/** Runs `call` and returns what it threw, failing the test when it did not throw. */
export async function thrown(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error: unknown) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

/** Runs `call` and returns what it threw, failing the test when it did not throw. */
export function thrownSync(call: () => unknown): Error {
  try {
    call();
  } catch (error: unknown) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}
