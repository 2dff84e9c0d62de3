// The fleet run's plot: connects/s (bars) and operational units (line) over time, as SVG, with
// Vega-Lite compiled to Vega and rendered headless (no canvas needed).
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface Sample { t: number; connectsPerS: number; attemptsPerS: number; operational: number }

export async function plotFleet(samples: readonly Sample[], title: string): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 720,
    height: 300,
    data: { values: samples.map((s) => ({ ...s })) },
    encoding: { x: { field: "t", type: "quantitative", title: "time (s)" } },
    layer: [
      {
        mark: { type: "bar", color: "#4c78a8", opacity: 0.7 },
        encoding: { y: { field: "connectsPerS", type: "quantitative", title: "connects per second", axis: { titleColor: "#4c78a8" } } },
      },
      {
        mark: { type: "line", color: "#e45756", strokeWidth: 2 },
        encoding: { y: { field: "operational", type: "quantitative", title: "operational units", axis: { titleColor: "#e45756", orient: "right" } } },
      },
    ],
    resolve: { scale: { y: "independent" } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
