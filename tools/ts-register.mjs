// `node --import ./tools/ts-register.mjs file.ts`: run workspace TypeScript without a build
// (see tools/ts-hooks.mjs).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
