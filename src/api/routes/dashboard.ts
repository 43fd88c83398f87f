import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { Router, type Response } from 'express';
import { ApiError, notFound } from '../errors.ts';

/**
 * The dashboard (docs/dashboard.md): web/dist/, built by the set-up and by `npm run build`, at
 * the same depth from src/ and dist/, so one path serves both. Everything it loads is a file of
 * this origin: the CSP allows no inline script, no eval, no other origin.
 */
export const WEB_DIST = path.resolve(__dirname, '../../../web/dist');

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // The page's icon is an empty data: URL (no /favicon.ico request).
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
};

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
/** Vite's hashed names: a name the build did not write is a 404 before the disk is asked. */
const ASSET_NAME = /^[A-Za-z0-9_-]+\.(?:js|css)$/;

interface Asset {
  body: Buffer;
  /** Gzipped once, on first use: a third of the bytes for the bundle (docs/dashboard.md). */
  gzip?: Buffer;
}

interface Built {
  index: Buffer;
  assets: Map<string, Asset>;
}

function setSecurityHeaders(res: Response) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

export function dashboardRouter(webDist = WEB_DIST): Router {
  const router = Router();
  // Read on the first request (the files, ~130 KiB, are kept): an API nobody opens the dashboard
  // of never reads them, and a build made while the API runs is picked up once a request finds it.
  let built: Built | undefined;
  const load = (): Built => {
    if (built) return built;
    try {
      const index = readFileSync(path.join(webDist, 'index.html'));
      const names = readdirSync(path.join(webDist, 'assets')).filter((name) => ASSET_NAME.test(name));
      const assets = new Map(names.map((name) => [name, { body: readFileSync(path.join(webDist, 'assets', name)) } as Asset]));
      return (built = { index, assets });
    } catch {
      throw new ApiError('unavailable', 'The dashboard is not built: run the set-up (./scripts/dev) or npm run build');
    }
  };

  router.get('/', (_req, res) => {
    const { index } = load();
    setSecurityHeaders(res);
    // The page names the hashed assets of this build: never cached, so a deploy is picked up.
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(index);
  });

  router.get('/assets/:file', (req, res) => {
    const file = req.params.file;
    const asset = ASSET_NAME.test(file) ? load().assets.get(file) : undefined;
    if (!asset) throw notFound();
    setSecurityHeaders(res);
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    res.setHeader('vary', 'accept-encoding');
    res.type(ASSET_TYPES[path.extname(file)]!);
    if (/\bgzip\b/.test(req.get('accept-encoding') ?? '')) {
      asset.gzip ??= gzipSync(asset.body, { level: 9 });
      res.setHeader('content-encoding', 'gzip');
      return void res.send(asset.gzip);
    }
    res.send(asset.body);
  });

  return router;
}
