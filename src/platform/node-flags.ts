/**
 * V8 and Node flags of the production processes: `npm start` (src/supervisor.ts) passes them, and
 * docker-compose.yml and the Dockerfile spell them out in each command (test/unit/config.test.ts
 * keeps them equal). Figures from bench/process-rss.ts, idle, on the shared 2-core machine:
 *
 * - `--max-semi-space-size=4`: Node 24 lets the young generation grow to 3 × 16 MiB semi-spaces,
 *   and a process that idles after its start keeps much of it resident. The main worker: about
 *   290 → 225 MiB; the API about −20 MiB.
 * - API only, `--optimize-for-size --v8-pool-size=1`: V8 trades some speed for memory, and one GC
 *   helper thread instead of four. The API: about 170 → 135–145 MiB. Its work is I/O and small
 *   JSON; the workers' CPU (workflow activations, checks) is what the scans' throughput is made
 *   of, so they keep V8's defaults there.
 */
export const PRODUCTION_NODE_FLAGS = {
  api: ['--max-semi-space-size=4', '--optimize-for-size', '--v8-pool-size=1'],
  worker: ['--max-semi-space-size=4'],
} as const;
