// Build step after tsc: bundles dist/lint/judge.js (the sequence driver, the parser and the rules,
// about a hundred ES modules) into dist/lint/judge.bundle.js, which lint/judge-loader.ts loads
// instead of the modules while each of them is the file this bundle was built from. Importing
// the modules one by one took 146-184 ms on the benchmark machine, the bundle 41-64 ms.
// Kept out of the bundle: npm packages (libpg-query loads its WebAssembly beside itself) and
// errors.js, whose classes the CLI tells apart with instanceof (one copy of them in the process).
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** Every module's size and modification time before bundling: a module written during the build then fails the loader's check. */
const before = new Map();
const walk = (folder) => {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.js') && !entry.name.endsWith('.bundle.js')) {
      const stats = statSync(path);
      before.set(path, { size: stats.size, mtimeMs: stats.mtimeMs });
    }
  }
};
walk(dist);

const keepErrorsOut = {
  name: 'errors-external',
  setup(b) {
    // Any import of dist/errors.js, from any folder: the bundle (in dist/lint) imports it as ../errors.js.
    b.onResolve({ filter: /(^|\/)errors\.js$/ }, (args) => {
      const target = join(args.resolveDir, args.path);
      return target === join(dist, 'errors.js') ? { path: '../errors.js', external: true } : undefined;
    });
  },
};

const result = await build({
  entryPoints: [join(dist, 'lint', 'judge.js')],
  outfile: join(dist, 'lint', 'judge.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [keepErrorsOut],
  metafile: true,
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs).map((input) => {
  const path = join(root, input);
  const stats = before.get(path);
  if (!stats) throw new Error(`bundle-judge: ${input} is not a module of dist/`);
  return { path: relative(join(dist, 'lint'), path).split(sep).join('/'), ...stats };
});
writeFileSync(join(dist, 'lint', 'judge.bundle.json'), `${JSON.stringify({ format: 1, inputs })}\n`);
console.log(`bundle-judge: ${inputs.length} modules into dist/lint/judge.bundle.js`);
