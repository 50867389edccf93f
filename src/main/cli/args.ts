/** Flag parsing shared by the `ser` subcommands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SerError } from '../../shared/errors.js';

/**
 * node:util parseArgs (strict), with its errors (unknown flag, missing value) turned into a
 * ValidationError followed by the command's usage, so they reach the user as a message, not as
 * an internal error.
 */
export function parseCommandArgs<
  T extends NonNullable<ParseArgsConfig['options']>,
  P extends boolean = false,
>(argv: string[], options: T, usage: string, allowPositionals?: P) {
  try {
    return parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: (allowPositionals ?? false) as P,
    });
  } catch (err) {
    // node's messages run on ("Unknown option '--x'. To specify a positional..."): keep the first sentence.
    const first = (err as Error).message.split('. ')[0]!.replace(/\.$/, '');
    throw new SerError('ValidationError', `${first}\n\n${usage}`);
  }
}
