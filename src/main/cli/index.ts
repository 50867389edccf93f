/**
 * The `ser` command: one subcommand per module, loaded lazily so `ser infer` does not pay
 * for the store or the web host. Each subcommand module exports `run(argv): Promise<number>`
 * and returns the process exit code; errors reach the user as one line, never a stack trace.
 */
import { toErrorData } from '../../shared/errors.js';
import { UsageError, exitCodeOf, reportUsageError } from './args.js';

type Subcommand = { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> };

const COMMANDS: Record<string, Subcommand> = {
  scan: {
    summary: 'clips per label and speaker, class weights and skipped files of a dataset folder',
    load: () => import('./scan.js'),
  },
  features: { summary: 'features of one file, librosa layout', load: () => import('./features.js') },
  train: {
    summary: 'train a model on a folder of clips (worker thread, recorded in the run store)',
    load: () => import('./train.js'),
  },
  evaluate: {
    summary: "a saved model's accuracy, F1 and confusion on a folder of clips",
    load: () => import('./evaluate.js'),
  },
  infer: {
    summary: 'classify audio files (the bundled model, or --model PATH|RUN_ID)',
    load: () => import('./infer.js'),
  },
  'export-model': {
    summary: 'a model as a standard TensorFlow.js LayersModel (stock layers) with its features and README',
    load: () => import('./export-model.js'),
  },
  encoders: {
    summary: 'pretrained speech encoders: list, pull (download once), import a folder, remove',
    load: () => import('./encoders.js'),
  },
  runs: {
    summary: 'list, show, compare, tag, delete, export and import experiment runs',
    load: () => import('./runs.js'),
  },
  serve: {
    summary: 'serve the app to a browser on this machine (web host)',
    load: () => import('./serve.js'),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return ['usage: ser <command> [options]   (ser <command> --help for its options)', '', ...lines].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`ser: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(name, err);
    const e = toErrorData(err);
    console.error(`ser ${name}: ${e.code}: ${e.message}`);
    if (process.env.SER_DEBUG && err instanceof Error) console.error(err.stack);
    return exitCodeOf(err);
  }
}
