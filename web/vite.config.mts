import { defineConfig } from 'vite';

// The dashboard (docs/dashboard.md): built into web/dist/, which the API serves at / (src/api/routes/dashboard.ts).
export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the page works under any path prefix a proxy mounts the API at.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP has no 'unsafe-inline' and no data: scripts: nothing may be inlined into the HTML.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
