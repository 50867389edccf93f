import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The plugin looks for svelte.config.js in `root` (src/renderer), where there is none: name the
// repository's, as electron.vite.config.ts does, so both builds preprocess the same way.
const svelteConfig = fileURLToPath(new URL('./svelte.config.js', import.meta.url));

// The renderer built for the web host (`ser serve`), which is also how the UI is tested here.
export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [svelte({ configFile: svelteConfig })],
  build: { outDir: '../../out/web', emptyOutDir: true },
});
