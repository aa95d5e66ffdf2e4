/**
 * The chart's font: DejaVu Sans read from the installed `dejavu-fonts-ttf` npm package (never
 * system fonts), and text widths measured from its own glyph advances, so that Vega lays out
 * text exactly as resvg will draw it.
 * @module
 */
// Loads the package, so that `import.meta.resolve` gives its files' paths also when Deno runs
// without a node_modules folder (a project that links this one).
import "dejavu-fonts-ttf/package.json" with { type: "json" };

/** Style of a piece of text to measure. */
export interface TextStyle {
  /** Font size in CSS pixels. */
  fontSize: number;
  /** Bold face. */
  bold?: boolean;
  /** Oblique face. */
  italic?: boolean;
}

/** Measures the advance width of a single line of text in CSS pixels. */
export type MeasureText = (text: string, style: TextStyle) => number;

/** The loaded DejaVu Sans faces. */
export interface PlotFonts {
  /** Raw TrueType files: regular, bold, oblique (the chart uses no bold oblique text). */
  buffers: Uint8Array[];
  /** Width of a line of text, without kerning. */
  measure: MeasureText;
}

/** Family name of the bundled font. */
export const FONT_FAMILY = "DejaVu Sans";

const FONT_FILES = [
  "dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf",
  "dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf",
];

let loaded: Promise<PlotFonts> | undefined;

/** Reads the three DejaVu Sans faces from `node_modules`, once per process. */
export function loadPlotFonts(): Promise<PlotFonts> {
  loaded ??= Promise.all(
    FONT_FILES.map((file) => Deno.readFile(new URL(import.meta.resolve(file)))),
  ).then((buffers) => {
    const faces = buffers.map((bytes) => readAdvanceWidths(bytes));
    const measure: MeasureText = (text, style) => {
      const face = faces[style.bold ? 1 : style.italic ? 2 : 0];
      return face.width(text) * style.fontSize;
    };
    return { buffers, measure };
  }).catch((error: unknown) => {
    loaded = undefined;
    throw new Error(
      `cannot load the DejaVu Sans fonts from the dejavu-fonts-ttf package: ${error}`,
      {
        cause: error,
      },
    );
  });
  return loaded;
}

/** A rough width for when the font is not loaded: DejaVu Sans averages about 0.55 em a glyph. */
export function estimateTextWidth(text: string, style: TextStyle): number {
  return text.length * style.fontSize * (style.bold ? 0.62 : 0.55);
}

interface AdvanceWidths {
  /** Width of a line of text in em. */
  width(text: string): number;
}

/**
 * Reads glyph advances from a TrueType file: `head` (units per em), `hhea` and `hmtx`
 * (advances), and the Unicode BMP `cmap` subtable (format 4) to map characters to glyphs.
 */
export function readAdvanceWidths(bytes: Uint8Array): AdvanceWidths {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, number>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(...bytes.subarray(record, record + 4));
    tables.set(tag, view.getUint32(record + 8));
  }
  const table = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`font has no ${tag} table`);
    return offset;
  };
  const unitsPerEm = view.getUint16(table("head") + 18);
  const numberOfHMetrics = view.getUint16(table("hhea") + 34);
  const hmtx = table("hmtx");
  const advance = (glyph: number): number =>
    view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));
  const glyphOf = bmpGlyphLookup(view, table("cmap"));
  const cache = new Map<number, number>();
  return {
    width(text: string): number {
      let units = 0;
      for (const char of text) {
        const code = char.codePointAt(0) as number;
        let width = cache.get(code);
        if (width === undefined) {
          width = advance(code > 0xffff ? 0 : glyphOf(code));
          cache.set(code, width);
        }
        units += width;
      }
      return units / unitsPerEm;
    },
  };
}

/** Glyph lookup through the Windows Unicode BMP (3, 1) or Unicode (0, 3) format 4 subtable. */
function bmpGlyphLookup(view: DataView, cmap: number): (code: number) => number {
  const count = view.getUint16(cmap + 2);
  let subtable = -1;
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const offset = cmap + view.getUint32(record + 4);
    if (view.getUint16(offset) !== 4) continue;
    if ((platform === 3 && encoding === 1) || (platform === 0 && subtable < 0)) subtable = offset;
  }
  if (subtable < 0) throw new Error("font has no format 4 Unicode cmap subtable");
  const segments = view.getUint16(subtable + 6) / 2;
  const ends = subtable + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  return (code: number): number => {
    for (let i = 0; i < segments; i++) {
      if (view.getUint16(ends + 2 * i) < code) continue;
      const start = view.getUint16(starts + 2 * i);
      if (start > code) return 0;
      const delta = view.getInt16(deltas + 2 * i);
      const rangeOffsetAt = rangeOffsets + 2 * i;
      const rangeOffset = view.getUint16(rangeOffsetAt);
      if (rangeOffset === 0) return (code + delta) & 0xffff;
      const glyph = view.getUint16(rangeOffsetAt + rangeOffset + 2 * (code - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}
