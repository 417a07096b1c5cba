// The chat widget's bundle: widget/src (browser TypeScript, no dependencies) as one minified
// script in dist/widget/widget.js, which the auth server serves as /widget.js. Run by
// `npm run build` and by the test suite's global setup, so a fresh clone tests the current source.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildWidget(outFile = path.join(root, 'dist', 'widget', 'widget.js')): Promise<{ file: string; bytes: number; gzipBytes: number }> {
  const result = await build({
    entryPoints: [path.join(root, 'widget', 'src', 'main.ts')],
    bundle: true, minify: true, format: 'iife', target: 'es2020', platform: 'browser', write: false, legalComments: 'none',
    tsconfig: path.join(root, 'widget', 'tsconfig.json'),
  });
  const body = result.outputFiles[0]!.contents;
  mkdirSync(path.dirname(outFile), { recursive: true });
  // Written aside and renamed: a server reading it never sees half a file.
  const partial = `${outFile}.${process.pid}.tmp`;
  writeFileSync(partial, body);
  renameSync(partial, outFile);
  return { file: outFile, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { file, bytes, gzipBytes } = await buildWidget();
  console.log(`${path.relative(root, file)}: ${bytes} bytes, ${gzipBytes} gzipped`);
}
