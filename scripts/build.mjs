// Builds the server and CLI into dist/cli/ (run by `npm ci` through the `prepare` script), so
// `peakform` starts without transpiling TypeScript at run time. esbuild bundles src/cli/main.ts
// and the decode worker's entry as ES modules, split into shared chunks (what a command does not
// use is never loaded); npm packages stay external. dist/cli/ sits at the depth of src/cli/, and
// every `import.meta.url` / `import.meta.dirname` in the sources is rewritten to the source
// file's own place, so paths relative to a source file (docs, fixtures, the web app) still hold.
// bin/peakform.mjs runs the build when it is newer than every file under src/ (see
// dist/cli/build.json), and the sources through tsx otherwise.
//   node scripts/build.mjs
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist/cli');
const started = Date.now();

/** Source-relative `import.meta` as seen from a bundle two levels below the repository root. */
const sourceMeta = {
  name: 'source-import-meta',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/].*\.(ts|mjs)$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      const file = relative(ROOT, args.path).split('\\').join('/');
      const url = `new URL(${JSON.stringify(file)}, __peakformRoot).href`;
      contents = contents
        .replaceAll(
          'import.meta.dirname',
          `__peakformPath(new URL(${JSON.stringify(`${dirname(file)}/`)}, __peakformRoot)).slice(0, -1)`,
        )
        .replaceAll('import.meta.filename', `__peakformPath(${url})`)
        .replaceAll('import.meta.url', url);
      return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: {
    main: join(ROOT, 'src/cli/main.ts'),
    'decode-worker': join(ROOT, 'src/services/sources/decode-worker-built.ts'),
    'lake-arrow-worker': join(ROOT, 'src/query/formats/lake-arrow-worker-built.ts'),
  },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  plugins: [sourceMeta],
  banner: {
    js: [
      "import { fileURLToPath as __peakformPath } from 'node:url';",
      // Every output file is read from dist/cli/ or dist/cli/chunks/; the root is above dist/.
      "const __peakformRoot = new URL(import.meta.url.includes('/dist/cli/chunks/') ? '../../../' : '../../', import.meta.url);",
      'const __peakformBundle = new URL(\'./\', __peakformRoot).href + "dist/cli/";',
    ].join('\n'),
  },
});
writeFileSync(join(OUT, 'build.json'), `${JSON.stringify({ builtMs: started }, null, 2)}\n`);
process.stdout.write(`peakform: built dist/cli in ${Date.now() - started} ms\n`);
