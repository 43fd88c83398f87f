#!/usr/bin/env node
// `npm run build`: the production build in dist/ (docs/deploy.md#the-build).
//   1. the Prisma client into src/generated/ (offline: the schema engine is not needed to generate);
//   2. tsc -p tsconfig.build.json: src/ → dist/, CommonJS, `.ts` import specifiers rewritten to `.js`;
//   3. the workflow bundle, dist/workflow-bundle.js, which a worker from dist/ loads instead of
//      running webpack at start (src/worker-setup.ts);
//   4. the dashboard, type-checked then built by Vite into web/dist/ (served at /, docs/dashboard.md).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const step = (what) => console.error(`[build] ${what}`);
const run = (command, args, env = {}) => execFileSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

step('prisma generate');
run(bin('prisma'), ['generate'], { PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, 'package.json') });

step('tsc -p tsconfig.build.json → dist/');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.build.json']);

step('workflow bundle → dist/workflow-bundle.js');
const { bundleWorkflowCode } = await import('@temporalio/worker');
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'dist/workflows/index.js'), logger: quiet });
writeFileSync(path.join(root, 'dist/workflow-bundle.js'), code);

step('dashboard: tsc -p web/tsconfig.json, vite build → web/dist/');
run(bin('tsc'), ['-p', 'web/tsconfig.json']);
run(bin('vite'), ['build', '--config', 'web/vite.config.mts', '--logLevel', 'warn']);
step(`done: dist/ (workflow bundle ${(code.length / 1024).toFixed(0)} KiB), web/dist/`);
