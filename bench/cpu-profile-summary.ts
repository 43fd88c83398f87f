/**
 * Where a process's CPU went in a time window: self time of V8 CPU profiles (node --cpu-prof, one
 * file per thread), by package and by function, counting only the samples inside the windows a
 * bench wrote (windows.json: monotonic microseconds, the clock V8's profiles use on Linux).
 *
 *   BENCH_PROF=/tmp/prof node_modules/.bin/tsx bench/remediation-latency.ts --no-lists
 *   node_modules/.bin/tsx bench/cpu-profile-summary.ts /tmp/prof/windows.json /tmp/prof/worker/*.cpuprofile [--label approve] [--per 20]
 *
 * --per N divides the figures by N (say, the decisions in a burst): ms per decision.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
};
const label = option('--label');
const per = Number(option('--per') ?? 1);
const top = Number(option('--top') ?? 25);
const [windowsFile, ...profiles] = args;
if (!windowsFile || profiles.length === 0) throw new Error('usage: cpu-profile-summary.ts windows.json profile.cpuprofile…');
const windows = (JSON.parse(readFileSync(windowsFile, 'utf8')) as { label: string; startUs: string; endUs: string }[])
  .filter((w) => !label || w.label === label)
  .map((w) => [Number(w.startUs), Number(w.endUs)] as const);

/** The package (or our source folder) a frame belongs to. */
function category(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : `(native) ${name || '?'}`;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/').slice(0, 2).join('/');
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src !== -1) return 'src/' + url.slice(src + 5).split('/').slice(0, -1).join('/');
  return path.basename(url);
}

for (const file of profiles) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByCategory = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    // A sample's time is the gap to the next one (the last sample gets none).
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!windows.some(([a, b]) => t >= a && t <= b)) continue;
    const node = byId.get(profile.samples[i]!)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += dt;
    const cat = category(url, functionName);
    selfByCategory.set(cat, (selfByCategory.get(cat) ?? 0) + dt);
    const fn = `${functionName || '(anonymous)'} ${url ? `${cat === path.basename(url) ? cat : `${cat}/${path.basename(url)}`}:${lineNumber + 1}` : ''}`.trim();
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + dt);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${(v / per).toFixed(2).padStart(8)}  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  console.log(`\n${path.basename(file)}: ${(total / per).toFixed(2)} ms of samples (not idle) in the window${per !== 1 ? ` per 1/${per}` : ''}`);
  if (total === 0) continue;
  console.log(`by package (self):\n${rows(selfByCategory)}`);
  console.log(`by function (self):\n${rows(selfByFunction)}`);
}
