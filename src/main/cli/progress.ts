/**
 * A small progress display for long CLI commands, over cli-progress: one bar at a time on
 * stderr when stderr is a TTY; when it is not (pipes, CI, logs) only the notes (stage changes,
 * epoch summaries) as plain lines; nothing at all in quiet mode (--json keeps stdout clean and
 * stderr for errors only).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Start a bar (TTY) or print the stage name once (plain). */
  start(label: string, total: number): void;
  /** Move the bar; `status` replaces the text after it (loss, accuracy, ETA...). */
  update(done: number, status?: string): void;
  /** A line of its own above the bar (epoch summaries, warnings). */
  note(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** No output at all (--json). */
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
}

export function createProgress(opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { start() {}, update() {}, note() {}, stop() {} };
  if (!stream.isTTY) {
    // Logs get the notes (stage changes, epoch summaries) but no per-batch or per-file lines.
    return {
      start() {},
      update() {},
      note: (line) => stream.write(`${line}\n`),
      stop() {},
    };
  }
  let bar: cliProgress.SingleBar | null = null;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    start(label, total) {
      stop();
      bar = new cliProgress.SingleBar(
        {
          format: `${label.padEnd(14)} {bar} {percentage}% {value}/{total} {status}`,
          stream,
          hideCursor: true,
          barsize: 30,
          fps: 8,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(1, total), 0, { status: '' });
    },
    update(done, status) {
      bar?.update(done, { status: status ?? '' });
    },
    note(line) {
      if (bar) {
        // Clear the bar's line, print the note, and let the next redraw put the bar back.
        stream.write(`\r\x1b[2K${line}\n`);
        bar.updateETA();
        bar.render();
      } else stream.write(`${line}\n`);
    },
    stop,
  };
}

/** 75 -> "1m15s", 4000 -> "1h06m". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
