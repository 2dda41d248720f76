// Charts with uPlot, loaded only by the pages that draw them so the
// first page load stays small.

import { useEffect, useRef } from 'preact/hooks';
import type uPlotType from 'uplot';

export interface Series {
  label: string;
  values: (number | null)[];
  color?: string;
  bars?: boolean;
}

interface Props {
  title: string;
  /** x values: unix seconds */
  x: number[];
  series: Series[];
  height?: number;
  /** a text summary for screen readers (the chart itself is an image) */
  summary: string;
}

export function Chart({ title, x, series, height = 220, summary }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: uPlotType | null = null;
    let gone = false;
    let ro: ResizeObserver | null = null;
    Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([mod]) => {
      if (gone || !box.current) return;
      const UPlot = mod.default;
      const width = Math.max(240, box.current.clientWidth);
      const opts: uPlotType.Options = {
        width,
        height,
        legend: { show: series.length > 1 },
        scales: { x: { time: true } },
        axes: [{}, { size: 52 }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color || ['#1d4e89', '#c0392b', '#2e7d32', '#8e44ad'][i % 4],
            fill: s.bars ? (s.color || '#1d4e89') + '33' : undefined,
            width: 2,
            paths: s.bars ? UPlot.paths.bars!({ size: [0.7, 40] }) : undefined,
          })),
        ],
      };
      plot = new UPlot(opts, [x, ...series.map((s) => s.values)] as uPlotType.AlignedData, box.current);
      ro = new ResizeObserver(() => {
        if (plot && box.current) plot.setSize({ width: Math.max(240, box.current.clientWidth), height });
      });
      ro.observe(box.current);
    });
    return () => {
      gone = true;
      ro?.disconnect();
      plot?.destroy();
    };
  }, [x, series, height]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={summary} />
    </figure>
  );
}
