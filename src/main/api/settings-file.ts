/**
 * Settings persisted as JSON beside the database. Besides what the UI sees (Settings), the file
 * keeps the folders granted through the Electron dialog, which the renderer cannot set itself.
 * Without a file (the `ser` CLI) the settings live in memory for the process only.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeError } from '../util/fs-error.js';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/settings.js';

const FileSchema = z.object({
  lastDatasetFolder: z.string().nullable().catch(null),
  window: z.object({ width: z.number(), height: z.number() }).nullable().catch(null),
  modelRunId: z.string().nullable().catch(null),
  grantedRoots: z.array(z.string()).catch([]),
});

export interface SettingsFileData extends Settings {
  grantedRoots: string[];
}

export class SettingsFile {
  private data: SettingsFileData;
  /** Set when the file existed but could not be read; it was kept aside as `.bad`. */
  readonly warning: string | null = null;

  constructor(private readonly file: string | null) {
    let raw: unknown = {};
    try {
      if (file !== null) raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      if (file !== null && (err as NodeJS.ErrnoException).code !== 'ENOENT') {
        try {
          renameSync(file, `${file}.bad`);
        } catch {
          // best effort: the defaults below are used either way
        }
        this.warning = `settings file unreadable, kept as ${file}.bad; using defaults`;
      }
    }
    const parsed = FileSchema.safeParse({ ...DEFAULT_SETTINGS, grantedRoots: [], ...(raw as object) });
    this.data = parsed.success ? parsed.data : { ...DEFAULT_SETTINGS, grantedRoots: [] };
  }

  get(): Settings {
    const { lastDatasetFolder, window, modelRunId } = this.data;
    return { lastDatasetFolder, window: window ? { ...window } : null, modelRunId };
  }

  grantedRoots(): string[] {
    return [...this.data.grantedRoots];
  }

  update(patch: Partial<SettingsFileData>): Settings {
    const next = { ...this.data };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
    this.data = next;
    this.save();
    return this.get();
  }

  private save(): void {
    if (this.file === null) return;
    // Write then rename, so a crash never leaves half a file.
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(tmp, JSON.stringify(this.data, null, 2) + '\n');
      renameSync(tmp, this.file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw writeError(err, 'save the settings', this.file);
    }
  }
}
