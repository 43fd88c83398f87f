import { dirname, join } from 'node:path';
import { Router } from 'express';
import { notFound } from '../errors.ts';
import { DOCS_ASSETS, openApiDocument } from '../openapi.ts';

const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

/**
 * Everything the reference page loads comes from this origin; no inline script runs (the
 * initialiser is a file of its own). Swagger UI sets inline style attributes, hence
 * 'unsafe-inline' for styles only; connect-src 'self' lets "Try it out" call this API.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// Relative URLs: the page works under any path prefix a proxy mounts it at.
const DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sitewarden API reference</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="docs/assets/init.js"></script>
</body>
</html>
`;

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: new URL('openapi.json', document.baseURI).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
    // Off: the badge would send this document's URL to validator.swagger.io.
    validatorUrl: null,
  });
});
`;

const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png' };

/** GET /openapi.json and the interactive reference at GET /docs (Swagger UI from node_modules, no CDN). */
export function docsRouter(): Router {
  const router = Router();
  // Made on the first request, not at start: an API process that nobody asks for it never pays
  // the generation (76 ms on this project's 2-core machine, bench/openapi.ts) nor keeps the 146 KiB.
  let json: string | undefined;

  router.get('/openapi.json', (_req, res) => {
    json ??= JSON.stringify(openApiDocument());
    res.setHeader('cache-control', 'no-cache');
    res.type('application/json').send(json);
  });

  router.get('/docs', (req, res) => {
    // The page's URLs are relative to /docs (no trailing slash): send /docs/ there.
    if (req.path.endsWith('/')) return res.redirect(301, req.baseUrl + req.path.replace(/\/+$/, ''));
    res.setHeader('content-security-policy', DOCS_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.type('html').send(DOCS_PAGE);
  });

  router.get('/docs/assets/:file', (req, res) => {
    const file = req.params.file;
    if (!(DOCS_ASSETS as readonly string[]).includes(file)) throw notFound();
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'public, max-age=3600');
    if (file === 'init.js') return void res.type(ASSET_TYPES['.js']!).send(INIT_SCRIPT);
    res.type(ASSET_TYPES[file.slice(file.lastIndexOf('.'))]!);
    res.sendFile(join(SWAGGER_UI_DIR, file));
  });

  return router;
}
