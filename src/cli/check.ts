import { parseArgs } from 'node:util';
import type { ConfigContext } from '../config/context.js';
import { noTasksError } from '../config/config-error.js';
import { loadConfigFile } from '../config/load.js';
import { summarizeConfig } from '../config/summary.js';
import type { CliIo } from './io.js';

/** Usage of `misso check`. */
export const CHECK_USAGE = `usage: misso check CONFIG

Validates CONFIG without contacting any exchange: YAML syntax, keys, task kinds, modules and
methods, self. references, types and environment variables. Exit 0 with a summary, or exit 2
with every problem as FILE:LINE:COL: path: message.`;

/** `misso check CONFIG`. Returns the exit code. */
export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    io.stderr.write(`misso check: expected one CONFIG file\n\n${CHECK_USAGE}\n`);
    return 2;
  }
  // The engine (and ccxt with it) is loaded only once the YAML itself has passed.
  let context: ConfigContext | undefined;
  const config = await loadConfigFile(file, async () => {
    const [{ configContext }, { taskKindTable }] = await Promise.all([import('../engine/config-context.js'), import('../engine/task-kinds.js')]);
    context = configContext(taskKindTable());
    return context;
  });
  // `misso run` refuses it at its start, where nothing can register a task in code.
  if (config.tasks.length === 0) throw noTasksError(config);
  io.stdout.write(`${summarizeConfig(config, context)}\n`);
  return 0;
}
