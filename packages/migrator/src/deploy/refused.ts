import { MigratorError } from '../errors.js';
import type { DeployReport } from './types.js';

/**
 * The preflight found something that makes deploying now unsafe: nothing was changed. `problems`
 * names each one with what to do; `report` is the deploy's report so far (its steps).
 */
export class DeployRefusedError extends MigratorError {
  readonly problems: string[];
  readonly report: DeployReport;
  constructor(problems: string[], report: DeployReport, options: { cause?: unknown; forcible?: boolean } = {}) {
    const list = problems.map((p, i) => `(${i + 1}) ${p}`).join('; ');
    super('E_DEPLOY_PREFLIGHT', `deploy refused at preflight, nothing was changed: ${list}`, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      hint:
        options.forcible === false
          ? 'fix the problem above, then run `sdk db deploy` again'
          : 'fix each problem above, then run `sdk db deploy` again; or deploy anyway with `force`',
    });
    this.problems = problems;
    this.report = report;
  }
}
