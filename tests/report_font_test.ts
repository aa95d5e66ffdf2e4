import assert from "node:assert/strict";
import { estimateTextWidth, loadPlotFonts, readAdvanceWidths } from "../src/report/font.ts";

Deno.test("loadPlotFonts reads the DejaVu Sans faces from the npm package", async () => {
  const fonts = await loadPlotFonts();
  assert.equal(fonts.buffers.length, 3);
  for (const bytes of fonts.buffers) {
    assert.ok(bytes.length > 100_000);
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0), 0x00010000);
  }
  assert.equal(await loadPlotFonts(), fonts, "loaded once per process");
});

Deno.test("measure uses DejaVu Sans advances", async () => {
  const { measure } = await loadPlotFonts();
  // DejaVu Sans (2048 units per em): digits 1303, "e" 1260, "-" 739 units.
  const expected = ((1303 + 1260 + 739 + 1303) / 2048) * 12;
  assert.ok(Math.abs(measure("1e-7", { fontSize: 12 }) - expected) < 1e-9);
  assert.equal(measure("", { fontSize: 12 }), 0);
  assert.ok(measure("iiii", { fontSize: 12 }) < measure("MMMM", { fontSize: 12 }));
  assert.ok(measure("valley", { fontSize: 12, bold: true }) > measure("valley", { fontSize: 12 }));
  assert.equal(measure("abc", { fontSize: 24 }), 2 * measure("abc", { fontSize: 12 }));
});

Deno.test("readAdvanceWidths rejects bytes that are not a font", () => {
  const bytes = new Uint8Array(64);
  assert.throws(() => readAdvanceWidths(bytes), /font has no head table/);
});

Deno.test("estimateTextWidth is close to the real width for chart labels", async () => {
  const { measure } = await loadPlotFonts();
  const text = "suggested 2.1e-3 (valley)";
  const real = measure(text, { fontSize: 12 });
  const estimate = estimateTextWidth(text, { fontSize: 12 });
  assert.ok(Math.abs(estimate - real) / real < 0.15, `estimate ${estimate}, real ${real}`);
});
