import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changedInput, InputRecorder, RACY_WINDOW_MS, settledInputs, type LintInputs } from './inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'lint-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records `path` as a lint run does: stat first, then the bytes it read. */
function recordFile(recorder: InputRecorder, path: string, bytes: string): void {
  recorder.file(path, statSync(path), Buffer.from(bytes));
}

/** Records `folder` as a lint run does: stat first, then the listing. */
function recordFolder(recorder: InputRecorder, folder: string): void {
  recorder.folder(folder, statSync(folder), readdirSync(folder, { withFileTypes: true }));
}

describe('the inputs a lint run read', () => {
  it('are unchanged while every file, folder and absent path is as it was', () => {
    const folder = join(dir, 'same');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.sql'), 'SELECT 1;');
    const recorder = new InputRecorder();
    recordFolder(recorder, folder);
    recordFile(recorder, join(folder, 'a.sql'), 'SELECT 1;');
    recorder.absent(join(folder, 'meta', '_journal.json'));
    expect(changedInput(recorder.inputs())).toBeUndefined();
  });

  it('change with a file\'s bytes, even when its size and modification time are put back', () => {
    const file = join(dir, 'edited.sql');
    writeFileSync(file, 'SELECT 1;');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const recorder = new InputRecorder();
    recordFile(recorder, file, 'SELECT 1;');
    writeFileSync(file, 'SELECT 2;');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).mtimeMs).toBe(recorder.inputs().files[0]!.mtimeMs);
    expect(changedInput(recorder.inputs())).toEqual({ path: file, change: 'changed (change time)' });
  });

  it('of a file written close to the run\'s start keep a hash of its bytes, which decides when every stat field matches', () => {
    const file = join(dir, 'racy.sql');
    writeFileSync(file, 'SELECT 1;');
    const recorder = new InputRecorder();
    recordFile(recorder, file, 'SELECT 1;');
    const inputs = recorder.inputs();
    expect(inputs.files[0]!.hash).toEqual(expect.any(String));
    expect(changedInput(inputs)).toBeUndefined();
    // The same stat fields with other bytes: what a write within one timestamp tick of the stat leaves.
    const sameTick: LintInputs = { ...inputs, files: [{ ...inputs.files[0]!, hash: 'another' }] };
    expect(changedInput(sameTick)).toEqual({ path: file, change: 'changed (content)' });
  });

  it('of a file changed long before the run keep no hash: its stat fields say it all', () => {
    const file = join(dir, 'old.sql');
    writeFileSync(file, 'SELECT 1;');
    const recorder = new InputRecorder();
    // Seen from a run that started well after the file's last change.
    Object.defineProperty(recorder, 'started', { value: statSync(file).ctimeMs + 2 * RACY_WINDOW_MS });
    recordFile(recorder, file, 'SELECT 1;');
    expect(recorder.inputs().files[0]!.hash).toBeUndefined();
  });

  it('settle: a racy entry checked once it is older than the window keeps no hash, and nothing else changes', () => {
    const file = join(dir, 'settling.sql');
    writeFileSync(file, 'SELECT 1;');
    const recorder = new InputRecorder();
    recordFile(recorder, file, 'SELECT 1;');
    const inputs = recorder.inputs();
    expect(settledInputs(inputs, inputs.started)).toBeUndefined();
    const later = statSync(file).ctimeMs + 2 * RACY_WINDOW_MS;
    const settled = settledInputs(inputs, later)!;
    expect(settled.started).toBe(later);
    expect(settled.files[0]!.hash).toBeUndefined();
    expect(settled.files[0]).toMatchObject({ path: file, size: inputs.files[0]!.size, ctimeMs: inputs.files[0]!.ctimeMs });
    expect(changedInput(settled)).toBeUndefined();
  });

  it('change with an entry added to a folder, and with a path that was absent appearing', () => {
    const folder = join(dir, 'grown');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.sql'), 'SELECT 1;');
    const listed = new InputRecorder();
    recordFolder(listed, folder);
    const journal = join(folder, '_journal.json');
    const lookedFor = new InputRecorder();
    lookedFor.absent(journal);
    writeFileSync(journal, '{}');
    expect(changedInput(listed.inputs())).toEqual({ path: folder, change: 'changed (modification time)' });
    expect(changedInput(lookedFor.inputs())).toEqual({ path: journal, change: 'appeared' });
  });

  it('change with a folder\'s entry names when its stat fields match (a rename within one tick)', () => {
    const folder = join(dir, 'renamed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.sql'), 'SELECT 1;');
    const recorder = new InputRecorder();
    recordFolder(recorder, folder);
    const inputs = recorder.inputs();
    expect(inputs.folders[0]!.hash).toEqual(expect.any(String));
    expect(changedInput({ ...inputs, folders: [{ ...inputs.folders[0]!, hash: 'another' }] })).toEqual({ path: folder, change: 'changed (entries)' });
  });

  it('change when a link to a folder is pointed at another folder (a package upgraded by pnpm)', () => {
    const v1 = join(dir, 'pkg@1');
    const v2 = join(dir, 'pkg@2');
    const link = join(dir, 'node_modules-pkg');
    for (const version of [v1, v2]) {
      mkdirSync(version);
      writeFileSync(join(version, 'package.json'), '{"version":"1.0.0"}');
    }
    symlinkSync(v1, link);
    const recorder = new InputRecorder();
    recorder.packageFolder(link, statSync(link));
    expect(changedInput(recorder.inputs())).toBeUndefined();
    // An entry added beside the package's files (a build log, a test's scratch folder) is not a change.
    mkdirSync(join(v1, '.turbo'));
    expect(changedInput(recorder.inputs())).toBeUndefined();
    rmSync(link);
    symlinkSync(v2, link);
    expect(changedInput(recorder.inputs())).toEqual({ path: link, change: 'is another folder' });
    rmSync(link);
    expect(changedInput(recorder.inputs())).toEqual({ path: link, change: 'is gone' });
  });

  it('name the first input that changed, and how', () => {
    const file = join(dir, 'named.sql');
    writeFileSync(file, 'SELECT 1;');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const recorder = new InputRecorder();
    recorder.file(file, statSync(file));
    recorder.absent(join(dir, 'named-journal.json'));
    expect(changedInput(recorder.inputs())).toBeUndefined();
    writeFileSync(join(dir, 'named-journal.json'), '{}');
    expect(changedInput(recorder.inputs())).toEqual({ path: join(dir, 'named-journal.json'), change: 'appeared' });
    writeFileSync(file, 'SELECT 22;');
    expect(changedInput(recorder.inputs())).toEqual({ path: file, change: 'changed (size)' });
    expect(changedInput({} as LintInputs)).toEqual({ change: 'the record is damaged' });
  });

  it('are "changed" when the record is not one (a damaged file)', () => {
    expect(changedInput({} as LintInputs)).toBeDefined();
    expect(changedInput({ started: 0, files: [{ path: join(dir, 'missing.sql'), size: 1, mtimeMs: 0, ctimeMs: 0, ino: 0 }], folders: [], packages: [], absent: [] })).toEqual({ path: join(dir, 'missing.sql'), change: 'is gone' });
  });

  it('cannot be replayed when something could not be recorded', () => {
    const recorder = new InputRecorder();
    recorder.refuse('a JavaScript config');
    recorder.refuse('a second reason');
    expect(recorder.unrecordable).toBe('a JavaScript config');
  });
});
