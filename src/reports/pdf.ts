import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { chromium, type CDPSession } from 'playwright-core';
import { withBrowser } from '../gather/browser.ts';
import { escapeHtml } from './html.ts';

export interface PdfOptions {
  chromePath: string;
  /** Printed in every page's header. */
  title: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

const CDP_READ_BYTES = 1 << 20;

/**
 * Prints the HTML report at `htmlPath` with Debian's Chromium (A4, the page's own CSS, page
 * numbers in the footer) and hands `consume` the PDF as a stream read from Chromium over the
 * DevTools protocol, so the document never sits whole in this process. JavaScript is off and
 * the page's CSP forbids any fetch; the browser is closed when `consume` settles.
 */
export async function renderPdf<T>(htmlPath: string, options: PdfOptions, consume: (pdf: Readable) => Promise<T>): Promise<T> {
  return withBrowser({ chromePath: options.chromePath, ...(options.signal ? { signal: options.signal } : {}) }, async ({ port }) => {
    const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`, { timeout: options.timeoutMs });
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      const page = await context.newPage();
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load', timeout: options.timeoutMs });
      const session = await context.newCDPSession(page);
      const { stream } = await session.send('Page.printToPDF', {
        transferMode: 'ReturnAsStream',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: `<div style="font-size:8px;color:#5b6570;width:100%;padding:0 10mm;display:flex;justify-content:space-between"><span>${escapeHtml(options.title)}</span><span class="date"></span></div>`,
        footerTemplate: '<div style="font-size:8px;color:#5b6570;width:100%;text-align:center">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
      });
      if (!stream) throw new Error('Chromium returned no PDF stream');
      return await consume(Readable.from(readStream(session, stream)));
    } finally {
      await browser.close();
    }
  });
}

async function* readStream(session: CDPSession, handle: string): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const chunk = await session.send('IO.read', { handle, size: CDP_READ_BYTES });
      if (chunk.data) yield Buffer.from(chunk.data, chunk.base64Encoded ? 'base64' : 'utf8');
      if (chunk.eof) return;
    }
  } finally {
    await session.send('IO.close', { handle }).catch(() => undefined);
  }
}
