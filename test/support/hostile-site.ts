import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const page = (name: string) => readFileSync(`${__dirname}/../fixtures/hostile/${name}`, 'utf8');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
/** How long /held.png is held: long enough for a page's scripts (ICE gathering, downloads) to run before `load`. */
const HELD_MS = 1_500;
const DEEP_LEVELS = 20_000;

export interface HostileSite {
  origin: string;
  /** The UDP listener on 127.0.0.1 the WebRTC page aims at, and every datagram it received. */
  udpPort: number;
  datagrams: string[];
  /** Unique per site: every download's file name starts with it, so a stray file can be searched for. */
  token: string;
  /** Requests for download URLs (the page did try). */
  downloadRequests: string[];
  url(path: HostilePath): string;
  close(): Promise<void>;
}

export type HostilePath =
  | '/webrtc'
  | '/download'
  | '/memory'
  | '/spin'
  | '/axe-tamper'
  | '/deep'
  | '/x-robots-spaces'
  | '/many-headers'
  | '/huge-header'
  | '/redirect-loop'
  | '/redirect-chain';

/**
 * Pages that attack the scanner rather than the visitor, on 127.0.0.1 (docs/scanning.md, Hostile
 * pages): WebRTC to a UDP listener on loopback, downloads, memory without end, a fake axe,
 * pathological HTML and headers, redirect loops.
 */
export async function startHostileSite(): Promise<HostileSite> {
  const token = `sitewarden-hostile-${randomUUID()}`;
  const datagrams: string[] = [];
  const downloadRequests: string[] = [];
  const udp = dgram.createSocket('udp4');
  udp.on('message', (message, from) => datagrams.push(`${from.address}:${from.port} ${message.length} bytes`));
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  const udpPort = udp.address().port;
  const udp6 = dgram.createSocket('udp6');
  udp6.on('message', (message, from) => datagrams.push(`[${from.address}]:${from.port} ${message.length} bytes`));
  udp6.on('error', () => {}); // no IPv6 loopback: nothing to listen on
  udp6.bind(udpPort, '::1');

  const html = (res: ServerResponse, body: string, headers: Record<string, string | string[]> = {}) =>
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
  const plain = page('deep.html').replace('{{deep}}', '').replaceAll('{{huge}}', 'x');

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/download/')) {
      downloadRequests.push(path);
      return res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${path.slice('/download/'.length)}"` })
        .end(Buffer.alloc(4 * 1024 * 1024, 1));
    }
    switch (path) {
      case '/held.png':
        return void setTimeout(() => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG), HELD_MS);
      case '/webrtc':
        return html(res, page('webrtc.html').replaceAll('{{udp}}', String(udpPort)));
      case '/download':
        return html(res, page('download.html').replaceAll('{{token}}', token));
      case '/memory':
        return html(res, page('memory.html'));
      case '/spin':
        return html(res, plain.replace('</body>', '<script>for (;;) {}</script></body>'));
      case '/axe-tamper':
        return html(res, page('axe-tamper.html'));
      case '/deep':
        return html(
          res,
          page('deep.html')
            .replace('{{deep}}', `${'<div>'.repeat(DEEP_LEVELS)}deep${'</div>'.repeat(DEEP_LEVELS)}`)
            .replaceAll('{{huge}}', 'a'.repeat(1024 * 1024)),
        );
      case '/x-robots-spaces':
        // 16 KiB of spaces between two directives: a backtracking regex takes quadratic time on it.
        return html(res, plain, { 'x-robots-tag': `index${' '.repeat(16 * 1024)}follow` });
      case '/many-headers':
        return html(res, plain, Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`x-hostile-${i}`, 'v'.repeat(100)])));
      case '/huge-header':
        return html(res, plain, { 'x-hostile': 'h'.repeat(60 * 1024), 'set-cookie': Array.from({ length: 50 }, (_, i) => `c${i}=${'v'.repeat(1000)}; Path=/`) });
      case '/redirect-loop':
        return res.writeHead(302, { location: '/redirect-loop-b' }).end();
      case '/redirect-loop-b':
        return res.writeHead(302, { location: '/redirect-loop' }).end();
      case '/redirect-chain':
        return res.writeHead(302, { location: `/redirect-chain/${Math.random()}` }).end();
      default:
        if (path.startsWith('/redirect-chain/')) return res.writeHead(302, { location: `/redirect-chain/${Math.random()}` }).end();
        return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    udpPort,
    datagrams,
    token,
    downloadRequests,
    url: (path) => `${origin}${path}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      udp.close();
      try {
        udp6.close();
      } catch {
        // never bound
      }
    },
  };
}

/**
 * Download leftovers (a file named after `token`, or a Chromium partial download) where a browser
 * could put them: all of `inside` (the scans' TMPDIR), and the worker user's HOME, its Downloads
 * and Desktop, the outer TMPDIR and the working directory, where Chromium writes when its own
 * directories are not set. Asynchronous: the in-process worker and API keep answering meanwhile.
 */
export async function strayDownloads(token: string, inside: string, outerTmp = '/tmp'): Promise<string[]> {
  const suspicious = (name: string) => name.includes(token) || name.endsWith('.crdownload');
  const list = async (dir: string, recursive: boolean) => {
    const names = await readdir(dir, { recursive }).catch(() => [] as string[]);
    return names.filter((name) => suspicious(name.split('/').pop() ?? '')).map((name) => join(dir, name));
  };
  const home = homedir();
  const found = await Promise.all([
    list(inside, true),
    list(join(home, 'Downloads'), true),
    list(join(home, 'Desktop'), true),
    list(home, false),
    list(outerTmp, false),
    list(process.cwd(), false),
  ]);
  return found.flat();
}
