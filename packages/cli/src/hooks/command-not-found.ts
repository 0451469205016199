import type { Hook } from '@oclif/core';
import { closest } from '@prd/core';

/**
 * An unknown command: say which one (oclif glues the first argument onto it, `runn:recipes/x.json`), suggest the
 * closest command, exit 2. With a space separator the words of a topic command arrive joined by ':'.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const words = options.id.split(':');
  const ids = options.config.commandIDs.map((id) => id.replaceAll(':', ' '));
  // The longest prefix of the typed words that is close to a command is what the user meant to type as the command.
  let typed = words[0] ?? '';
  let suggestion = closest(typed, ids);
  if (words.length > 1) {
    const two = `${words[0]} ${words[1]}`;
    const better = closest(two, ids);
    if (better && better.includes(' ')) {
      typed = two;
      suggestion = better;
    }
  }
  const hint = suggestion ? `; did you mean "prd ${suggestion}"?` : '';
  process.stderr.write(`error: "${typed}" is not a prd command${hint} (list them with: prd --help)\n`);
  process.exitCode = 2;
  this.exit(2);
};

export default hook;
