/**
 * The browser lab: a static page built by Vite from lab/ into dist/lab/ (plain files any
 * static host serves; `base: './'` so it works from any folder). The simulator is src/,
 * bundled as is; built-in scenarios are bundled as text (lab/src/core/builtins.ts).
 *   npm run lab        serve it locally (prints the URL)
 *   npm run lab:build  write dist/lab/
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // the page reads ../src and ../sim/scenarios: allow the dev server to serve them
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] }, host: '127.0.0.1', port: 5273 },
  preview: { host: '127.0.0.1', port: 5274 },
  build: {
    outDir: fileURLToPath(new URL('../dist/lab', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // the simulator and the diagram renderer are one chunk each; they are big but cached
    chunkSizeWarningLimit: 2500,
  },
  worker: { format: 'es' },
});
