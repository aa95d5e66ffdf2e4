import assert from "node:assert/strict";
import { estimateTextWidth } from "../src/report/font.ts";
import {
  type LabelCandidate,
  type LabelRequest,
  pixelX,
  pixelY,
  placeLabels,
  type PlotFrame,
} from "../src/report/labels.ts";

const frame: PlotFrame = { width: 400, height: 200, lrDomain: [1e-4, 1], lossDomain: [0, 2] };

function request(candidates: LabelCandidate[], text = "label"): LabelRequest {
  return { lines: [text], style: { fontSize: 12 }, lineHeight: 15, candidates };
}

Deno.test("pixelX and pixelY map the log and linear axes", () => {
  assert.equal(pixelX(1e-4, frame), 0);
  assert.ok(Math.abs(pixelX(1e-2, frame) - 200) < 1e-9);
  assert.equal(pixelX(1, frame), 400);
  assert.equal(pixelY(2, frame), 0);
  assert.equal(pixelY(0, frame), 200);
});

Deno.test("placeLabels avoids a line through the preferred position", () => {
  const point = { lr: 1e-2, loss: 1 };
  const above: LabelCandidate = { ...point, align: "center", baseline: "bottom", dx: 0, dy: -10 };
  const below: LabelCandidate = { ...point, align: "center", baseline: "top", dx: 0, dy: 10 };
  // A horizontal line 20 pixels above the point.
  const lines = [[{ lr: 1e-4, loss: 1.2 }, { lr: 1, loss: 1.2 }]];
  const [chosen] = placeLabels([request([above, below])], frame, {
    obstacles: { lines, markers: [] },
    measure: estimateTextWidth,
  });
  assert.equal(chosen, below);
  const [free] = placeLabels([request([above, below])], frame, {
    obstacles: { lines: [], markers: [] },
    measure: estimateTextWidth,
  });
  assert.equal(free, above, "without obstacles the first candidate wins");
});

Deno.test("placeLabels keeps labels inside the plot", () => {
  const corner = { lr: 1, loss: 2 };
  const outside: LabelCandidate = { ...corner, align: "left", baseline: "bottom", dx: 8, dy: -8 };
  const inside: LabelCandidate = { ...corner, align: "right", baseline: "top", dx: -8, dy: 8 };
  const [chosen] = placeLabels([request([outside, inside], "a long label text")], frame, {
    obstacles: { lines: [], markers: [] },
    measure: estimateTextWidth,
  });
  assert.equal(chosen, inside);
});

Deno.test("placeLabels does not stack a label on an earlier one", () => {
  const point = { lr: 1e-2, loss: 1 };
  const right: LabelCandidate = { ...point, align: "left", baseline: "middle", dx: 10, dy: 0 };
  const left: LabelCandidate = { ...point, align: "right", baseline: "middle", dx: -10, dy: 0 };
  const [first, second] = placeLabels([request([right]), request([right, left])], frame, {
    obstacles: { lines: [], markers: [] },
    measure: estimateTextWidth,
  });
  assert.equal(first, right);
  assert.equal(second, left);
});

Deno.test("placeLabels steers clear of markers", () => {
  const point = { lr: 1e-2, loss: 1 };
  const onMarker: LabelCandidate = { ...point, align: "center", baseline: "middle", dx: 0, dy: 0 };
  const beside: LabelCandidate = { ...point, align: "left", baseline: "middle", dx: 12, dy: 0 };
  const [chosen] = placeLabels([request([onMarker, beside])], frame, {
    obstacles: { lines: [], markers: [{ ...point, radius: 6 }] },
    measure: estimateTextWidth,
  });
  assert.equal(chosen, beside);
});
