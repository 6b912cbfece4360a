import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envReferenceHint, isPlainObject, type ReportProblem } from './env.js';

/** The files a config names for misso to write, with the name misso gives the file it expects. */
const FILES: readonly { section: string; key: string; example: string }[] = [
  { section: 'storage', key: 'path', example: 'misso.db' },
  { section: 'logging', key: 'file', example: 'misso.log' },
];

/**
 * `storage.path` and `logging.file` name files: a path that is a directory on this machine (or is
 * spelled as one, with a trailing slash) is refused at its line, with the file to name instead.
 * Relative paths are read from the working directory, as the run reads them.
 */
export function checkLocalFiles(raw: unknown, report: ReportProblem): void {
  if (!isPlainObject(raw)) return;
  for (const { section, key, example } of FILES) {
    const entries = raw[section];
    const path = isPlainObject(entries) ? entries[key] : undefined;
    if (typeof path !== 'string' || path === '' || path === ':memory:') continue;
    // Text, not a reference: the run would make a directory named `${HOME}` in the working one.
    const envHint = envReferenceHint([section, key], path);
    if (envHint !== undefined) {
      report([section, key], `\`${path}\` holds a \`\${NAME}\` reference, which is not read here: the path would be taken as written`, envHint);
      continue;
    }
    const hint = `${section}.${key} must name a file, e.g. \`${join(path, example)}\``;
    if (/[/\\]$/.test(path)) report([section, key], `\`${path}\` ends with a slash: it names a directory, not a file`, hint);
    else if (isDirectory(resolve(path))) report([section, key], `\`${path}\` is a directory, not a file`, hint);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false; // What cannot be looked at is the run's to refuse, with its reason.
  }
}
