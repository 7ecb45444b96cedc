import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The console is built into web/dist and served by the Nest process at / (src/modules/console). The manifest lets
// bench/run.ts add up the first-load JavaScript of each route (entry + the route's lazy chunk + their imports).
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      '@': here('./src'),
      // Code shared with the server, one implementation: the sealed-bid SDK core and the USCC check.
      '@shared': here('../src'),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
