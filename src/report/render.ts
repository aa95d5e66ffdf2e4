/**
 * Headless rendering of the chart: Vega's View turns the compiled Vega-Lite spec into SVG
 * without a browser, and resvg (WebAssembly) rasterises the SVG to PNG. Text uses DejaVu Sans
 * loaded from the `dejavu-fonts-ttf` npm package, never system fonts, so a PNG is the same on
 * every machine. The wasm module and fonts are read from the installed packages on disk.
 * @module
 */
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import * as vega from "vega";
import { compile } from "vega-lite";
import type { LrFinderResult } from "../result.ts";
import { FONT_FAMILY, loadPlotFonts, type PlotFonts } from "./font.ts";
import { type PlotOptions, plotSpec } from "./spec.ts";

/** Options of {@linkcode renderSvg}, {@linkcode renderPng} and {@linkcode renderPlot}. */
export interface RenderOptions extends PlotOptions {
  /** Pixel density of the PNG relative to the SVG's CSS pixels (default 2). */
  scale?: number;
}

/** A rendered chart. */
export interface RenderedPlot {
  /** The chart as an SVG document. */
  svg: string;
  /** The chart as a PNG image, `scale` times the SVG's size. */
  png: Uint8Array;
  /** PNG width in pixels. */
  width: number;
  /** PNG height in pixels. */
  height: number;
}

/** Default PNG scale relative to the SVG. */
export const DEFAULT_SCALE = 2;

let resvgReady: Promise<void> | undefined;

/** Renders a result's chart to an SVG document (Vega's headless View). */
export async function renderSvg(
  result: LrFinderResult,
  options: PlotOptions = {},
): Promise<string> {
  const fonts = await loadPlotFonts();
  useFontMetrics(fonts);
  const spec = plotSpec(result, { measureText: fonts.measure, ...options });
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG document to PNG at `scale` times its size, with the bundled fonts. */
export async function svgToPng(svg: string, options: { scale?: number } = {}): Promise<Uint8Array> {
  const [fonts] = await Promise.all([loadPlotFonts(), ensureResvg()]);
  const resvg = new Resvg(svg, {
    font: {
      fontBuffers: fonts.buffers,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    fitTo: { mode: "zoom", value: options.scale ?? DEFAULT_SCALE },
    background: "white",
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** Renders a result's chart to a PNG image (SVG first, then resvg). */
export async function renderPng(
  result: LrFinderResult,
  options: RenderOptions = {},
): Promise<Uint8Array> {
  return (await renderPlot(result, options)).png;
}

/** Renders a result's chart to SVG and PNG at once. */
export async function renderPlot(
  result: LrFinderResult,
  options: RenderOptions = {},
): Promise<RenderedPlot> {
  const svg = await renderSvg(result, options);
  const png = await svgToPng(svg, { scale: options.scale });
  return { svg, png, width: pngWidth(png), height: pngHeight(png) };
}

/**
 * Makes Vega measure text with DejaVu Sans's own advances (Vega's documented hook for headless
 * use; without a canvas it would guess 0.8 em a character), so bounds and layout match the PNG.
 */
function useFontMetrics(fonts: PlotFonts): void {
  (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics.width = (
    item: VegaTextItem,
    text: string,
  ): number =>
    fonts.measure(String(text ?? ""), {
      fontSize: typeof item.fontSize === "number" ? item.fontSize : 11,
      bold: item.fontWeight === "bold" || Number(item.fontWeight) >= 600,
      italic: item.fontStyle === "italic" || item.fontStyle === "oblique",
    });
}

/** Vega's text measurement hook (exported at run time, missing from its type declarations). */
interface VegaTextMetrics {
  width: (item: VegaTextItem, text: string) => number;
}

/** The text item fields Vega passes to `textMetrics.width`. */
interface VegaTextItem {
  fontSize?: number;
  fontWeight?: string | number;
  fontStyle?: string;
}

/** Loads resvg's wasm module from the installed npm package, once per process. */
function ensureResvg(): Promise<void> {
  resvgReady ??= Deno.readFile(new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm")))
    .then((bytes) => initWasm(bytes))
    .catch((error: unknown) => {
      resvgReady = undefined;
      throw new Error(`cannot load resvg's WebAssembly module from @resvg/resvg-wasm: ${error}`, {
        cause: error,
      });
    });
  return resvgReady;
}

/** Width in pixels from a PNG's IHDR chunk. */
function pngWidth(png: Uint8Array): number {
  return new DataView(png.buffer, png.byteOffset, png.byteLength).getUint32(16);
}

/** Height in pixels from a PNG's IHDR chunk. */
function pngHeight(png: Uint8Array): number {
  return new DataView(png.buffer, png.byteOffset, png.byteLength).getUint32(20);
}
