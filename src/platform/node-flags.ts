/**
 * V8 flags of the production processes (`npm start`; the images set the same in NODE_OPTIONS).
 * Node 24 lets the young generation grow to 3 × 16 MiB semi-spaces: a worker that idles after its
 * start keeps much of it resident. 4 MiB semi-spaces took the idle main worker from about 290 to
 * 220 MiB and the API by about 20 MiB (bench/process-rss.ts); the scans' throughput is measured
 * with the same flag (bench/scan-throughput.ts from dist/).
 */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=4'];
