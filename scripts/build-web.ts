/**
 * Builds the web app (web/) into dist/web/: one minified, content-hashed script and stylesheet
 * under assets/, and index.html naming them. Run by `npm run build:web` and by `prepare` (npm ci).
 * Without esbuild (an install without dev dependencies) it says so and exits 0: the server then
 * answers /app/ with a 503 page that says how to build it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist/web');

export async function buildWeb(options: { outDir?: string; minify?: boolean } = {}): Promise<string> {
  const target = options.outDir ?? outDir;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    console.warn('build-web: esbuild is not installed (dev dependency); the web app is not built.');
    return target;
  }
  await rm(target, { recursive: true, force: true });
  await mkdir(join(target, 'assets'), { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(root, 'web/src/main.ts'), style: join(root, 'web/style.css') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'linked',
    entryNames: '[name]-[hash]',
    outdir: join(target, 'assets'),
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const script = outputs.find((name) => /^app-.*\.js$/.test(name));
  const style = outputs.find((name) => /^style-.*\.css$/.test(name));
  if (!script || !style) throw new Error(`build-web: unexpected outputs ${outputs.join(', ')}`);
  const template = await readFile(join(root, 'web/index.html'), 'utf8');
  const html = template
    .replace('<!-- style -->', `<link rel="stylesheet" href="/app/assets/${style}">`)
    .replace('<!-- script -->', `<script type="module" src="/app/assets/${script}"></script>`);
  await writeFile(join(target, 'index.html'), html);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  console.log(`build-web: ${relative(root, target)}/ (${Math.round(bytes / 1024)} KiB: ${script}, ${style})`);
  return target;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb();
}
