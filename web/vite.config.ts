import { defineConfig } from 'vite';

// No React plugin: Vite's own esbuild compiles TSX with the automatic JSX runtime, which is all
// this app needs (no fast refresh in production builds anyway).
const webDir = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root: webDir,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: `${webDir}../dist/web`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small bundle; no modulepreload polyfill (it would be the only inline-ish extra).
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
});
