import { beforeAll, describe, expect, it } from 'vitest';
import { MigratorError } from '../errors.js';
import { analyzeSqlSync, loadParser, migrationPhase } from './index.js';

beforeAll(async () => {
  await loadParser();
});

const phaseOf = (text: string) => migrationPhase(text, analyzeSqlSync(text));

describe('the phase of a migration file', () => {
  it('is expand when every statement is', () => {
    expect(phaseOf('ALTER TABLE t ADD COLUMN a int;\n--> statement-breakpoint\nCREATE INDEX i ON t (a);')).toEqual({
      phase: 'expand',
      source: 'inferred',
      reason: 'every statement is backward compatible with the running app',
    });
  });

  it('is expand for a file without statements', () => {
    expect(phaseOf('-- nothing yet\n')).toMatchObject({ phase: 'expand', source: 'inferred' });
  });

  it('is contract when any statement is, pointing at the first such line', () => {
    const text = 'ALTER TABLE t ADD COLUMN a int;\n--> statement-breakpoint\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n--> statement-breakpoint\nALTER TABLE t DROP COLUMN b;';
    expect(phaseOf(text)).toEqual({
      phase: 'contract',
      source: 'inferred',
      reason: 'line 3: makes t.a NOT NULL: the running app may still write NULL into it',
    });
  });
});

describe('the -- sdk:phase comment', () => {
  it('overrides a contract inference with expand', () => {
    expect(phaseOf('-- sdk:phase expand\nALTER TABLE t DROP COLUMN old_unused;')).toEqual({
      phase: 'expand',
      source: 'comment',
      reason: 'set by the `-- sdk:phase expand` comment on line 1',
    });
  });

  it('overrides an expand inference with contract, wherever it stands in the file', () => {
    expect(phaseOf('ALTER TABLE t ADD COLUMN x int;\n--> statement-breakpoint\n-- SDK:PHASE Contract (the app stops writing y first)\nSELECT 1;')).toEqual({
      phase: 'contract',
      source: 'comment',
      reason: 'set by the `-- sdk:phase contract` comment on line 3',
    });
  });

  it('may be a block comment', () => {
    expect(phaseOf('/* sdk:phase contract */ ALTER TABLE t ADD COLUMN x int;')).toMatchObject({ phase: 'contract', source: 'comment' });
  });

  it('is not taken from the same words inside a string literal or a dollar quote', () => {
    expect(phaseOf("ALTER TABLE t DROP COLUMN c;\nCOMMENT ON TABLE t IS '\n-- sdk:phase expand';")).toMatchObject({ phase: 'contract', source: 'inferred' });
    expect(phaseOf('ALTER TABLE t ADD COLUMN c int;\nDO $$\n-- sdk:phase contract\nBEGIN END $$;')).toMatchObject({ phase: 'expand', source: 'inferred' });
  });

  it('is refused when it names no phase, so a typo does not silently change the phase', () => {
    expect(() => phaseOf('-- sdk:phase expnad\nALTER TABLE t DROP COLUMN c;')).toThrow(
      expect.objectContaining({ code: 'E_PHASE_COMMENT', message: 'line 1: `-- sdk:phase expnad` names no phase' }),
    );
  });

  it('is refused when two comments disagree', () => {
    const disagree = () => phaseOf('-- sdk:phase expand\nSELECT 1;\n-- sdk:phase contract');
    expect(disagree).toThrow(MigratorError);
    expect(disagree).toThrow(expect.objectContaining({ code: 'E_PHASE_COMMENT', message: 'lines 1 and 3: the -- sdk:phase comments disagree (expand and contract)' }));
  });

  it('may be repeated with the same phase', () => {
    expect(phaseOf('-- sdk:phase contract\nSELECT 1;\n-- sdk:phase contract')).toMatchObject({ phase: 'contract', source: 'comment' });
  });

  it('finds its line after non-ASCII text', () => {
    expect(phaseOf("SELECT 'é📞';\n\n-- sdk:phase contract")).toMatchObject({ reason: 'set by the `-- sdk:phase contract` comment on line 3' });
  });
});
