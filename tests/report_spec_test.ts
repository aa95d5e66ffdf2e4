import assert from "node:assert/strict";
import { compile } from "vega-lite";
import { describeCurve } from "../src/report/curve.ts";
import { plotSpec } from "../src/report/spec.ts";
import type { LrFinderResult } from "../src/result.ts";
import {
  divergedResult,
  multiRunResult,
  nonFiniteResult,
  noSuggestionResult,
  tinyResult,
  untrustedResult,
  verifiedResult,
} from "./fixtures/lr_results.ts";

interface Layer {
  mark: { type: string; [key: string]: unknown };
  data: { values: Record<string, unknown>[] };
  encoding: Record<string, Record<string, unknown>>;
}

function layersOf(result: LrFinderResult): Layer[] {
  return (plotSpec(result) as unknown as { layer: Layer[] }).layer;
}

function texts(result: LrFinderResult): string[] {
  return layersOf(result)
    .filter((l) => l.mark.type === "text" && l.mark.color !== "white")
    .flatMap((l) => l.data.values.map((v) => v.text))
    .flat() as string[];
}

Deno.test("plotSpec compiles with Vega-Lite without warnings", () => {
  for (
    const result of [
      divergedResult(),
      multiRunResult(),
      nonFiniteResult(),
      noSuggestionResult(),
      verifiedResult(),
      untrustedResult(),
    ]
  ) {
    const warnings: unknown[] = [];
    const logger = {
      level: () => logger,
      warn: (...args: unknown[]) => (warnings.push(args), logger),
      info: () => logger,
      debug: () => logger,
      error: (...args: unknown[]) => {
        throw new Error(String(args));
      },
    };
    compile(plotSpec(result), { logger: logger as never });
    assert.deepEqual(warnings, [], result.name);
  }
});

Deno.test("plotSpec uses a log x axis with power-of-ten ticks", () => {
  const result = divergedResult();
  const [first] = layersOf(result).filter((l) => l.mark.type === "line");
  const x = first.encoding.x as {
    scale: { type: string; domain: number[] };
    axis: { values: number[]; format: string };
  };
  assert.equal(x.scale.type, "log");
  assert.deepEqual(x.scale.domain, [result.lrs[0], result.lrs[result.lrs.length - 1]]);
  assert.deepEqual(x.axis.values, [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
  assert.equal(x.axis.format, ".0e");
});

Deno.test("plotSpec titles the chart with the model name, backend and steps", () => {
  const spec = plotSpec(divergedResult()) as unknown as {
    title: { text: string; subtitle: string };
  };
  assert.equal(spec.title.text, "Learning-rate range test: fashion-mnist-cnn");
  assert.match(spec.title.subtitle, /backend wasm/);
  assert.match(spec.title.subtitle, /98 of 100 steps/);
  assert.match(spec.title.subtitle, /stopped: diverged/);
  // The subtitle names the backend that ran: an adapter only when the sweep ran on it.
  const wasm = divergedResult();
  wasm.settings = { ...wasm.settings, backend: "wasm", adapter: "llvmpipe" };
  const subtitle = (plotSpec(wasm) as unknown as { title: { subtitle: string } }).title.subtitle;
  assert.match(subtitle, /^backend wasm {2}\u00B7/);
  const gpu = divergedResult();
  gpu.settings = { ...gpu.settings, backend: "webgpu", adapter: "NVIDIA H200" };
  assert.match(
    (plotSpec(gpu) as unknown as { title: { subtitle: string } }).title.subtitle,
    /^backend webgpu, NVIDIA H200 {2}\u00B7/,
  );
});

Deno.test("plotSpec's subtitle names an adapter only when the sweep ran on it", () => {
  const subtitle = (backend: string) => {
    const result = divergedResult();
    result.settings = { ...result.settings, backend, adapter: "llvmpipe (LLVM 15.0.6, 256 bits)" };
    return (plotSpec(result) as unknown as { title: { subtitle: string } }).title.subtitle;
  };
  assert.match(subtitle("wasm"), /^backend wasm {2}·/);
  assert.doesNotMatch(subtitle("wasm"), /llvmpipe/);
  assert.match(subtitle("webgpu"), /^backend webgpu, llvmpipe \(LLVM 15\.0\.6, 256 bits\) {2}·/);
});

Deno.test("plotSpec draws raw loss faint and smoothed loss bold", () => {
  const lines = layersOf(divergedResult()).filter((l) => l.mark.type === "line");
  assert.equal(lines.length, 2);
  const [raw, smoothed] = lines;
  assert.equal(raw.encoding.color.datum, "raw loss");
  assert.equal(smoothed.encoding.color.datum, "smoothed loss");
  assert.ok((smoothed.mark.strokeWidth as number) > 2 * (raw.mark.strokeWidth as number));
  const range = raw.encoding.color.scale as { range: string[] };
  assert.notEqual(range.range[0], range.range[1]);
});

Deno.test("plotSpec labels the suggestion, the lowest loss and the divergence", () => {
  const all = texts(divergedResult());
  assert.ok(all.includes("suggested 7.6e-4 (valley)"), all.join(" | "));
  assert.ok(all.some((t) => /^lowest 0\.2\d\d\d at 1\.2e-2$/.test(t)), all.join(" | "));
  assert.ok(all.includes("diverged at 6.9e+0"), all.join(" | "));
  const shapes = (result: LrFinderResult) =>
    layersOf(result).filter((l) => l.mark.type === "point").map((p) => p.mark.shape).sort();
  // The drawn curve follows the exploded loss above the axis there: a dashed rule, no cross.
  assert.deepEqual(shapes(divergedResult()), ["circle", "diamond"]);
  assert.ok(layersOf(divergedResult()).some((l) => l.mark.type === "rule" && l.mark.strokeDash));
  const stoppedEarly = tinyResult();
  for (const key of ["lrs", "losses", "smoothed"] as const) stoppedEarly[key].length = 8;
  stoppedEarly.stopReason = "diverged";
  assert.deepEqual(shapes(stoppedEarly), ["circle", "cross", "diamond"]);
});

Deno.test("plotSpec clips the exploded tail and says so", () => {
  const result = divergedResult();
  const top = describeCurve(result).lossDomain[1];
  const note = texts(result).find((t) => t.startsWith("clipped: loss above"));
  assert.ok(note, "clip note present");
  assert.match(note, /\(max 51\.\d\d\)$/);
  for (const line of layersOf(result).filter((l) => l.mark.type === "line")) {
    for (const row of line.data.values) assert.ok((row.value as number) <= top);
  }
  assert.equal(texts(noSuggestionResult()).some((t) => t.startsWith("clipped")), false);
});

Deno.test("plotSpec draws the band and the uncertainty only with several runs", () => {
  const multi = layersOf(multiRunResult());
  const band = multi.find((l) => l.mark.type === "area");
  assert.ok(band, "band layer");
  assert.equal(band.encoding.color.datum, "range of 3 runs");
  assert.ok(band.data.values.length > 50);
  const rect = multi.find((l) => l.mark.type === "rect");
  assert.ok(rect, "uncertainty layer");
  const u = multiRunResult().uncertainty!;
  assert.deepEqual(rect.data.values, [{ low: u.low, high: u.high }]);
  assert.ok(texts(multiRunResult()).some((t) => t === "7.6e-4 to 2.3e-3 over 3 of 3 runs"));
  const single = layersOf(divergedResult());
  assert.equal(single.some((l) => l.mark.type === "area" || l.mark.type === "rect"), false);
});

Deno.test("plotSpec explains a missing suggestion", () => {
  const all = texts(noSuggestionResult());
  assert.ok(
    all.includes("no suggestion (valley): the loss never decreases in the search window"),
    all.join(" | "),
  );
  assert.equal(all.some((t) => t.startsWith("suggested")), false);
});

Deno.test("plotSpec marks a non-finite stop", () => {
  assert.ok(texts(nonFiniteResult()).includes("non-finite loss at 1.1e+0"));
});

Deno.test("plotSpec honours size and title options", () => {
  const spec = plotSpec(tinyResult(), { width: 300, height: 200, title: "Custom" }) as unknown as {
    width: number;
    height: number;
    title: { text: string };
  };
  assert.equal(spec.width, 300);
  assert.equal(spec.height, 200);
  assert.equal(spec.title.text, "Custom");
});

/** The two stacked views of a result with trials: the curve and the trials panel. */
function panelsOf(result: LrFinderResult): { curve: Layer[]; trials: Layer[]; title: string } {
  const spec = plotSpec(result) as unknown as {
    vconcat: { layer: Layer[]; title?: { text: string } }[];
  };
  assert.equal(spec.vconcat.length, 2);
  const [curve, trials] = spec.vconcat;
  return { curve: curve.layer, trials: trials.layer, title: trials.title?.text ?? "" };
}

Deno.test("plotSpec stacks a trials panel under the curve, on the same learning-rate axis", () => {
  const { curve, trials, title } = panelsOf(verifiedResult());
  assert.match(title, /^Verification: held-out loss after training at each rate/);
  const curveX = curve.find((l) => l.mark.type === "line")!.encoding.x;
  const points = trials.find((l) => l.mark.type === "point")!;
  assert.deepEqual(points.encoding.x, curveX, "the same x encoding, log scale and domain");
  assert.equal((points.encoding.y.scale as { type: string }).type, "linear");
  assert.equal(points.encoding.y.title, "held-out loss");
  const sized = plotSpec(verifiedResult(), {
    width: 300,
    height: 200,
    trialsHeight: 90,
  }) as unknown as {
    vconcat: { width: number; height: number }[];
  };
  assert.deepEqual(sized.vconcat.map((v) => [v.width, v.height]), [[300, 200], [300, 90]]);
  // Without trials the chart is one layered view, as before.
  assert.ok(Array.isArray((plotSpec(divergedResult()) as unknown as { layer: Layer[] }).layer));
});

Deno.test("the trials panel marks each trial: best, trained, pruned, diverged along the top", () => {
  const { trials } = panelsOf(verifiedResult());
  const points = trials.find((l) => l.mark.type === "point")!;
  const rows = points.data.values as { lr: number; loss: number; kind: string; steps: string }[];
  assert.deepEqual(rows.map((r) => [r.lr, r.kind, r.steps]), [
    [3.16228e-5, "pruned", "68"],
    [1e-4, "pruned", "68"],
    [3.16228e-4, "trained", "270"],
    [1e-3, "best", "270"],
    [3.16228e-3, "pruned", "135"],
    [1e-2, "diverged", "30"],
  ]);
  const domain = (points.encoding.y.scale as { domain: number[] }).domain;
  const diverged = rows.at(-1)!;
  assert.ok(
    rows.slice(0, -1).every((r) => r.loss < diverged.loss) && diverged.loss < domain[1],
    "diverged above every finite loss, inside the panel",
  );
  const shapes = points.encoding.shape.scale as { domain: string[]; range: string[] };
  assert.deepEqual(shapes.domain, ["best", "trained", "pruned", "diverged"]);
  assert.equal(shapes.range[shapes.domain.indexOf("diverged")], "cross");
  const colors = points.encoding.color.scale as { range: string[] };
  assert.equal(new Set(colors.range).size, 4, "each kind its own colour");
  const steps = trials.find((l) => l.mark.type === "text" && l.encoding.text)!;
  assert.deepEqual(steps.encoding.text, { field: "steps" });
  const texts = trials.filter((l) => l.mark.type === "text").map((l) => l.mark.text);
  assert.ok(texts.includes("untrained 2.310"), texts.join(" | "));
  const rules = trials.filter((l) => l.mark.type === "rule");
  assert.deepEqual(rules.map((r) => r.data.values[0]), [
    { loss: 2.3101 },
    { lr: verifiedResult().suggestion.lr },
  ]);
});

Deno.test("the held-out axis turns logarithmic when the losses span decades", () => {
  const result = verifiedResult();
  result.trials = result.trials!.map((t, i) => ({
    ...t,
    heldOutLoss: t.diverged ? null : 10 ** -i,
  }));
  const { trials } = panelsOf(result);
  const scale = trials.find((l) => l.mark.type === "point")!.encoding.y.scale as {
    type: string;
    domain: number[];
  };
  assert.equal(scale.type, "log");
  assert.ok(scale.domain[0] < 1e-4 && scale.domain[1] > 2.3101);
  const axis = trials.find((l) => l.mark.type === "point")!.encoding.y.axis as { values: number[] };
  assert.deepEqual(axis.values, [1e-4, 1e-3, 1e-2, 1e-1, 1, 10], "labelled powers of ten");
});

Deno.test("the learning-rate axis widens to a trial below the sweep's first rate", () => {
  const result = verifiedResult();
  result.trials![0].lr = 1e-8;
  const { curve } = panelsOf(result);
  const x = curve.find((l) => l.mark.type === "line")!.encoding.x as {
    scale: { domain: number[] };
    axis: { values: number[] };
  };
  assert.ok(x.scale.domain[0] < 1e-8, `${x.scale.domain}`);
  assert.equal(x.axis.values[0], 1e-8);
});

Deno.test("plotSpec labels the verified rate, and an untrusted one as not trusted", () => {
  assert.ok(texts(divergedResult()).includes("suggested 7.6e-4 (valley)"));
  const verified = panelsOf(verifiedResult()).curve;
  const label = (layers: Layer[]) =>
    layers.filter((l) => l.mark.type === "text" && l.mark.color !== "white")
      .flatMap((l) => l.data.values.map((v) => v.text)).flat() as string[];
  assert.ok(label(verified).includes("suggested 3.2e-4 (verified)"), label(verified).join(" | "));
  const untrusted = label(panelsOf(untrustedResult()).curve);
  assert.ok(untrusted.includes("not trusted: 1.1e-3 (combined)"), untrusted.join(" | "));
  assert.ok(!untrusted.some((t) => t.startsWith("suggested")));
});

Deno.test("plotSpec's subtitle says how verification went and names the warnings", () => {
  const subtitle = (result: LrFinderResult) =>
    (plotSpec(result) as unknown as { title: { subtitle: string | string[] } }).title.subtitle;
  assert.deepEqual(subtitle(verifiedResult()), [
    "backend wasm  \u00B7  98 of 100 steps  \u00B7  adam, batch 64  \u00B7  stopped: diverged  " +
    "\u00B7  verified: 6 rates, 841 steps",
    "caution: loss starts far above chance",
  ]);
  assert.deepEqual(subtitle(untrustedResult()), [
    "backend wasm  \u00B7  98 of 100 steps  \u00B7  adam, batch 64  \u00B7  stopped: diverged  " +
    "\u00B7  not verified",
    "not trusted: every trial diverged  \u00B7  caution: rule capped below the minimum",
  ]);
  assert.equal(typeof subtitle(divergedResult()), "string", "one line without warnings");
});

Deno.test("with a verified rate, the runs' range is labelled as the curve rule's", () => {
  const result = multiRunResult();
  result.suggestion = { lr: 1e-3, index: 50, method: "verified", trusted: true };
  const all = texts(result);
  assert.ok(all.includes("valley rule: 7.6e-4 to 2.3e-3"), all.join(" | "));
  assert.ok(texts(multiRunResult()).includes("7.6e-4 to 2.3e-3 over 3 of 3 runs"));
});
