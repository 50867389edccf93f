// Component gallery for development (`npx vite --config vite.web.config.ts`, open /dev/gallery.html):
// every component with made-up props, no API. Not part of the build.
import { mount } from 'svelte';
import '../src/styles/app.css';
import Gallery from './Gallery.svelte';

const target = document.getElementById('app');
if (target) mount(Gallery, { target });
