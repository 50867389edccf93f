import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The renderer built for the web host (`ser serve`), which is also how the UI is tested here.
export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [svelte()],
  build: { outDir: '../../out/web', emptyOutDir: true },
});
