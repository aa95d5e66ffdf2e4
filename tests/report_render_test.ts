import assert from "node:assert/strict";
import { decode } from "fast-png";
import { renderPlot, renderPng, renderSvg, svgToPng } from "../src/report/render.ts";
import {
  divergedResult,
  multiRunResult,
  noSuggestionResult,
  verifiedResult,
} from "./fixtures/lr_results.ts";

/** Plot width and height of the default spec, in CSS pixels. */
const PLOT = { width: 720, height: 400 };

/** The plot area's offset in the SVG, from Vega's outer `translate(x,y)`. */
function plotOrigin(svg: string): { x: number; y: number } {
  const match = svg.match(/<g fill="none"[^>]*transform="translate\(([\d.]+),([\d.]+)\)"/);
  assert.ok(match, "outer translate found");
  return { x: Number(match[1]), y: Number(match[2]) };
}

function svgSize(svg: string): { width: number; height: number } {
  const match = svg.match(/<svg[^>]* width="([\d.]+)" height="([\d.]+)"/);
  assert.ok(match, "svg size found");
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Pixels darker than mid-grey inside a rectangle of the image (device pixels). */
function darkPixels(
  image: ReturnType<typeof decode>,
  box: { x0: number; y0: number; x1: number; y1: number },
): number {
  let count = 0;
  const channels = image.channels;
  for (let y = Math.max(0, box.y0); y < Math.min(image.height, box.y1); y++) {
    for (let x = Math.max(0, box.x0); x < Math.min(image.width, box.x1); x++) {
      const i = (y * image.width + x) * channels;
      const luminance = 0.299 * image.data[i] + 0.587 * image.data[i + 1] +
        0.114 * image.data[i + 2];
      if (luminance < 128) count++;
    }
  }
  return count;
}

/** The band under the x axis where Vega puts the tick labels, in device pixels. */
function tickLabelBand(svg: string, scale: number) {
  const origin = plotOrigin(svg);
  return {
    x0: Math.round((origin.x - 10) * scale),
    x1: Math.round((origin.x + PLOT.width + 10) * scale),
    y0: Math.round((origin.y + PLOT.height + 6) * scale),
    y1: Math.round((origin.y + PLOT.height + 20) * scale),
  };
}

Deno.test("renderPlot makes a PNG at twice the SVG's size that decodes", async () => {
  const plot = await renderPlot(divergedResult());
  const image = decode(plot.png);
  const size = svgSize(plot.svg);
  assert.equal(image.width, size.width * 2);
  assert.equal(image.height, size.height * 2);
  assert.equal(plot.width, image.width);
  assert.equal(plot.height, image.height);
  assert.ok(size.width >= PLOT.width && size.width < PLOT.width + 200, `width ${size.width}`);
});

Deno.test("the PNG has dark pixels in the plot area and in the tick labels", async () => {
  const plot = await renderPlot(divergedResult());
  const image = decode(plot.png);
  const origin = plotOrigin(plot.svg);
  const plotArea = {
    x0: origin.x * 2,
    y0: origin.y * 2,
    x1: (origin.x + PLOT.width) * 2,
    y1: (origin.y + PLOT.height) * 2,
  };
  assert.ok(darkPixels(image, plotArea) > 2000, "curve drawn");
  assert.ok(darkPixels(image, tickLabelBand(plot.svg, 2)) > 200, "tick labels drawn");
});

Deno.test("without text the tick label band has no dark pixels", async () => {
  const svg = await renderSvg(divergedResult());
  const withoutText = svg.replace(/<text[\s\S]*?<\/text>/g, "");
  const image = decode(await svgToPng(withoutText));
  assert.equal(darkPixels(image, tickLabelBand(svg, 2)), 0);
});

Deno.test("the SVG contains the tick labels, the suggestion and the font", async () => {
  const svg = await renderSvg(divergedResult());
  for (const tick of ["1e-7", "1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1e+0"]) {
    assert.ok(svg.includes(`>${tick}</text>`), `tick ${tick}`);
  }
  assert.ok(svg.includes(">suggested 7.6e-4 (valley)</text>"));
  assert.ok(svg.includes(">diverged at 6.9e+0</text>"));
  assert.match(svg, />clipped: loss above [\d.]+ \(max 51\.\d\d\)<\/text>/);
  assert.ok(svg.includes('font-family="DejaVu Sans"'));
  assert.ok(!svg.includes("sans-serif"), "no fallback to system fonts");
});

Deno.test("the SVG of several runs shows the band and the spread of the suggestion", async () => {
  const svg = await renderSvg(multiRunResult());
  assert.ok(svg.includes(">range of 3 runs</text>"));
  assert.match(svg, /<path[^>]*fill="#cddff0"/, "band area drawn");
  assert.ok(svg.includes(">suggested 1.1e-3 (valley)</tspan>"));
  assert.ok(svg.includes(">7.6e-4 to 2.3e-3 over 3 of 3 runs</tspan>"));
  const single = await renderSvg(divergedResult());
  assert.ok(!single.includes(" runs</t"));
});

Deno.test("rendering is deterministic", async () => {
  const a = await renderPng(noSuggestionResult());
  const b = await renderPng(noSuggestionResult());
  assert.deepEqual(a, b);
});

Deno.test("renderPng honours the scale", async () => {
  const svg = await renderSvg(noSuggestionResult());
  const size = svgSize(svg);
  const image = decode(await renderPng(noSuggestionResult(), { scale: 1 }));
  assert.equal(image.width, size.width);
  assert.equal(image.height, size.height);
});

Deno.test("a verified result renders the trials panel below the curve, text included", async () => {
  const plain = await renderPlot(divergedResult());
  const verified = await renderPlot(verifiedResult());
  assert.ok(Math.abs(verified.width - plain.width) < 40, `${verified.width} vs ${plain.width}`);
  // The panel (160 px) with its title, legend and axis adds at least its own height.
  assert.ok(verified.height >= plain.height + 2 * 160, `${verified.height} vs ${plain.height}`);
  for (const text of ["Verification: held-out loss", "untrained 2.310", "best", "pruned"]) {
    assert.ok(verified.svg.includes(text), text);
  }
  assert.ok(verified.svg.includes("caution: loss starts far above chance"), "warnings subtitle");
});
