import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A line chart (uPlot, canvas). The canvas is hidden from assistive technology; the figure's
 * caption and the table under it carry the same numbers as text.
 */
export function LineChart({ title, xs, ys, yLabel, format }: { title: string; xs: number[]; ys: number[]; yLabel: string; format: (x: number) => string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el || xs.length === 0) return;
    const width = () => Math.max(240, Math.min(720, el.clientWidth || 480));
    const plot = new uPlot(
      {
        width: width(),
        height: 200,
        legend: { show: false },
        cursor: { show: false },
        // One point alone would stretch the axis over years: a day either side instead.
        scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 86_400, max + 86_400] : [min, max]) } },
        axes: [{ stroke: '#333' }, { stroke: '#333', label: yLabel }],
        series: [{}, { label: yLabel, stroke: '#1f5fa8', width: 2, points: { show: true, size: 6 } }],
      },
      [xs, ys],
      el,
    );
    const onResize = () => plot.setSize({ width: width(), height: 200 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [JSON.stringify(xs), JSON.stringify(ys)]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={host} aria-hidden="true" />
      <details>
        <summary>Data</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">{yLabel}</th>
            </tr>
          </thead>
          <tbody>
            {xs.map((x, i) => (
              <tr key={x}>
                <td>{format(x)}</td>
                <td>{ys[i]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** Counts as horizontal bars: plain HTML, readable as text. */
export function Bars({ title, counts }: { title: string; counts: Record<string, number> }) {
  const max = Math.max(1, ...Object.values(counts));
  return (
    <figure class="bars">
      <figcaption>{title}</figcaption>
      <dl>
        {Object.entries(counts).map(([k, v]) => (
          <div key={k} class="bar-row">
            <dt>{k.replace(/_/g, ' ')}</dt>
            <dd>
              <meter min={0} max={max} value={v} aria-label={`${k}: ${v}`} />
              <span>{v}</span>
            </dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}
