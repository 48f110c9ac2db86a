// `pnpm build` runs this after tsc (apps/cli/package.json): dist/help.json, the help texts
// help-fast.ts prints without loading commander. A failure fails the build.
import { writeHelpFile } from './help-render.js';

writeHelpFile();
