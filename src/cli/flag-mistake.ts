import { coerceError } from '../core/errors.js';

/**
 * How every `misso` command tells a mistake in its flags: `misso run: <what is wrong>`, then where
 * the options are. A message that already points at the command's `--help` (the fault syntax's)
 * is not told twice.
 */
export function flagMistake(command: string, message: string): string {
  const help = `misso ${command} --help`;
  return message.includes(help) ? `misso ${command}: ${message}` : `misso ${command}: ${message}\nrun '${help}' for the options`;
}

/**
 * Node's parseArgs errors (`ERR_PARSE_ARGS_*`) in misso's words, without their advice on `--`
 * and `=`, which trails off in an unbalanced quote; null for any other error.
 */
export function parseArgsMessage(error: unknown): string | null {
  const e = coerceError(error);
  if (!(e as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS')) return null;
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(?:-\w, )?(--?[\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(e.message);
  if (missing) return `${missing[1]} needs a value`;
  const flag = /^Option '(?:-\w, )?(--?[\w-]+)' does not take an argument/.exec(e.message);
  if (flag) return `${flag[1]} takes no value`;
  const unexpected = /^Unexpected argument '([^']+)'/.exec(e.message);
  if (unexpected) return `unexpected argument ${unexpected[1]}`;
  return e.message.split('\n')[0] ?? e.message;
}

/**
 * `argv` with a dashed word after an option that takes a value joined to it (`--for -1` becomes
 * `--for=-1`): node's parseArgs calls it ambiguous, where it is that option's value (`-500`,
 * `-abc`), to be refused by the option's own check in its own words. `-h` stays the help.
 */
export function joinDashValues(argv: readonly string[], valued: readonly string[]): string[] {
  const dashValue = (word: string | undefined): boolean => word !== undefined && /^-[^-]/.test(word) && word !== '-h';
  return argv.flatMap((a, i) => (valued.includes(argv[i - 1] ?? '') && dashValue(a) ? [] : valued.includes(a) && dashValue(argv[i + 1]) ? [`${a}=${argv[i + 1]}`] : [a]));
}
