#!/usr/bin/env node
// The `ser` command. Runs the TypeScript sources directly through tsx, so `npx ser` works
// right after `npm install`, without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
