import { viewportNotDeviceWidth } from '../../../../src/checks/seo/viewport-not-device-width.ts';
import { html, seo } from './fixtures.ts';

const withViewport = (content: string) => seo({ html: html(`<meta name="viewport" content="${content}">`) });

describe('seo.viewport_not_device_width', () => {
  it('flags a fixed width with the tag’s content', () => {
    const [finding] = viewportNotDeviceWidth.evaluate(withViewport('width=1024'));
    expect(finding?.detail).toBe('The viewport is "width=1024", without width=device-width.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', viewport: 'width=1024' });
  });

  it.each(['initial-scale=1', '', 'min-width=device-width'])('flags %j', (content) => {
    expect(viewportNotDeviceWidth.evaluate(withViewport(content))).toHaveLength(1);
  });

  it.each(['width=device-width, initial-scale=1', 'initial-scale=1; WIDTH = Device-Width', 'width=device-width'])('passes %j', (content) => {
    expect(viewportNotDeviceWidth.evaluate(withViewport(content))).toEqual([]);
  });

  it('leaves a missing tag to seo.viewport_missing', () => {
    expect(viewportNotDeviceWidth.evaluate(seo({ html: html('') }))).toEqual([]);
  });
});
