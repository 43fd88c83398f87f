import { readFileSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const page = (name: string) => readFileSync(`${__dirname}/../fixtures/site/${name}`, 'utf8');

const CLEAN_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'set-cookie': ['sid=opaque; Path=/; HttpOnly; SameSite=Lax'],
};

const DEFECT_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/html; charset=utf-8',
  server: 'nginx/1.18.0',
  'x-powered-by': 'PHP/7.4.3',
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'true',
  'referrer-policy': 'unsafe-url',
  'set-cookie': ['sessionid=opaque; Path=/'],
};

export const SLOW_MS = 3_000;

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export interface FixtureSite {
  /** A page with no defect in any domain. */
  cleanUrl: string;
  /** A page with known defects in every domain, on a site without robots.txt or sitemap. */
  defectsUrl: string;
  /** The defects page, answered after SLOW_MS: each scan of `${slowUrl}?n` is a distinct URL. */
  slowUrl: string;
  /** 404 and non-HTML pages, for failure paths. */
  missingUrl: string;
  pdfUrl: string;
  /** Requests each server saw, by path. */
  hits: string[];
  close(): Promise<void>;
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Three origins on 127.0.0.1: a clean site, a site full of defects, and a "CDN". */
export async function startFixtureSite(): Promise<FixtureSite> {
  const hits: string[] = [];
  const cdn = await listen((req, res) => {
    hits.push(`cdn${req.url}`);
    res.writeHead(200, { 'content-type': 'text/javascript' }).end('window.lib = true;');
  });

  const clean = await listen((req, res) => {
    hits.push(`clean${req.url}`);
    const origin = `http://${req.headers.host}`;
    switch (req.url) {
      case '/':
      case '/clean':
        return res.writeHead(200, CLEAN_HEADERS).end(page('clean.html').replaceAll('{{origin}}', origin));
      case '/robots.txt':
        return res.writeHead(200, { 'content-type': 'text/plain' }).end(`User-agent: *\nAllow: /\nSitemap: ${origin}/sitemap.xml\n`);
      case '/sitemap.xml':
        return res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${origin}/clean</loc></url></urlset>`);
      case '/widget.png':
      case '/og.png':
        return res.writeHead(200, { 'content-type': 'image/png', 'x-content-type-options': 'nosniff' }).end(PNG);
      default:
        return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });

  const defects = await listen(async (req, res) => {
    hits.push(`defects${req.url}`);
    if (req.url?.startsWith('/slow')) {
      // Holds the response so a test can act while a scanner is mid-fetch.
      await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      return res.writeHead(200, DEFECT_HEADERS).end(page('defects.html').replaceAll('{{cdn}}', cdn.origin));
    }
    switch (req.url) {
      case '/':
        return res.writeHead(200, DEFECT_HEADERS).end(page('defects.html').replaceAll('{{cdn}}', cdn.origin));
      case '/doc.pdf':
        return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4');
      case '/hero.png':
      case '/team.png':
        return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      default:
        return res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
    }
  });

  return {
    cleanUrl: `${clean.origin}/clean`,
    defectsUrl: `${defects.origin}/`,
    slowUrl: `${defects.origin}/slow`,
    missingUrl: `${defects.origin}/missing`,
    pdfUrl: `${defects.origin}/doc.pdf`,
    hits,
    async close() {
      for (const { server } of [cdn, clean, defects]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
