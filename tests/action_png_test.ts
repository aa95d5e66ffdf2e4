import assert from "node:assert/strict";
import { encode } from "fast-png";
import { checkPng, MAX_PNG_BYTES, MAX_PNG_SIDE } from "../action/png.ts";
import { renderPng } from "../src/report/mod.ts";
import { tinyResult } from "./fixtures/lr_results.ts";

const PLOT = await renderPng(tinyResult());

function refused(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => checkPng(bytes, "a/plot.png"), (error: Error) => {
    assert.equal(error.name, "InputError");
    assert.match(error.message, /^a\/plot\.png is not a valid PNG plot: /);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("the Action's own plot passes", () => {
  checkPng(PLOT, "a/plot.png");
});

Deno.test("anything but one whole PNG image is refused", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  refused(text("<html><img src=https://attacker.example/a.gif></html>"), /PNG signature/);
  refused(PLOT.slice(0, PLOT.length - 20), /cut off|IEND/);
  const appended = new Uint8Array([...PLOT, ...text("<script>alert(1)</script>")]);
  refused(appended, /expected nothing after the IEND chunk|cut off/);
  const corrupt = PLOT.slice();
  corrupt[60] ^= 0xff; // inside the first IDAT: its CRC no longer matches
  refused(corrupt, /does not decode/);
  const noHeader = PLOT.slice();
  noHeader.set(text("tEXt"), 12);
  refused(noHeader, /expected the IHDR chunk first/);
});

Deno.test("size and dimensions are capped before decoding", () => {
  const big = new Uint8Array(MAX_PNG_BYTES + 1);
  big.set(PLOT);
  refused(big, new RegExp(`expected at most ${MAX_PNG_BYTES} bytes, got ${MAX_PNG_BYTES + 1}`));
  const wide = encode({
    width: MAX_PNG_SIDE + 1,
    height: 1,
    data: new Uint8Array((MAX_PNG_SIDE + 1) * 4),
    channels: 4,
  });
  refused(wide, new RegExp(`expected at most ${MAX_PNG_SIDE}x${MAX_PNG_SIDE} pixels, got 4097x1`));
  checkPng(encode({ width: 2, height: 2, data: new Uint8Array(16), channels: 4 }), "small.png");
});
