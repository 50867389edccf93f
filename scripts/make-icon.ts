/**
 * Renders resources/icons/icon.svg to the PNG electron-builder turns into every platform's icon
 * (512x512: macOS needs at least that; .ico and .icns are made from it at package time):
 *
 *   node bin/run-ts.mjs scripts/make-icon.ts
 *
 * Uses the Chromium the browser tests use (ImageMagick here has no SVG renderer).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', 'resources', 'icons');
const SIZE = 512;

const svg = readFileSync(join(DIR, 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE } });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace(/width="\d+" height="\d+"/, `width="${SIZE}" height="${SIZE}"`)}</body></html>`,
  );
  await page.screenshot({
    path: join(DIR, 'icon.png'),
    omitBackground: true,
    clip: { x: 0, y: 0, width: SIZE, height: SIZE },
  });
  console.log(`wrote ${join(DIR, 'icon.png')}`);
} finally {
  await browser.close();
}
