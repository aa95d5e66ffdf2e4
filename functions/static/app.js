// @ts-check
// The page's script: builds a sweep request from the form, reads the server's event stream
// and draws the curve as it arrives. No libraries; everything comes from this server.

const START_LR = 1e-7;
const END_LR = 10;
const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 60, right: 16, top: 16, bottom: 44 };
const SVG_NS = "http://www.w3.org/2000/svg";

/** Hidden layers of each model size. */
const MODEL_SIZES = {
  tiny: [16],
  small: [32, 32],
  medium: [64, 64],
  large: [128, 128, 128],
};

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing element #${id}`);
  return /** @type {T} */ (element);
}

const form = /** @type {HTMLFormElement} */ (byId("sweep-form"));
const csvFile = /** @type {HTMLInputElement} */ (byId("csv-file"));
const csvText = /** @type {HTMLTextAreaElement} */ (byId("csv-text"));
const labelInput = /** @type {HTMLInputElement} */ (byId("label"));
const modelSize = /** @type {HTMLSelectElement} */ (byId("model-size"));
const optimizer = /** @type {HTMLSelectElement} */ (byId("optimizer"));
const task = /** @type {HTMLSelectElement} */ (byId("task"));
const steps = /** @type {HTMLInputElement} */ (byId("steps"));
const verifyBox = /** @type {HTMLInputElement} */ (byId("verify"));
const tokenRow = byId("token-row");
const token = /** @type {HTMLInputElement} */ (byId("token"));
const runButton = /** @type {HTMLButtonElement} */ (byId("run"));
const stopButton = /** @type {HTMLButtonElement} */ (byId("stop"));
const chart = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId("chart")));
const progressLine = byId("progress");
const suggestionLine = byId("suggestion");
const verdictLine = byId("verdict");
const warningsBlock = byId("warnings");
const warningList = byId("warning-list");
const trialsBlock = byId("trials-block");
const trialRows = /** @type {HTMLTableSectionElement} */ (
  /** @type {HTMLTableElement} */ (byId("trials")).tBodies[0]
);
const errorBox = byId("error");
const download = byId("download");
const downloadLink = /** @type {HTMLAnchorElement} */ (byId("download-json"));
const serverStatus = byId("server-status");

/** @typedef {{ lr: number, loss: number | null, smoothed: number | null }} Point */

/** @type {Point[]} */
let points = [];
/** @type {{ lr: number | null, method: string } | undefined} */
let suggested;
/** @typedef {{ lr: number, steps: number, heldOutLoss: number | null, diverged: boolean }} Trial */
/** @type {{ trials: Trial[], best: number | undefined }} */
let verified = { trials: [], best: undefined };
/** @type {AbortController | undefined} */
let running;
let drawPending = false;

/**
 * Formats a learning rate or loss compactly.
 * @param {number} value
 */
function formatNumber(value) {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  return abs >= 1e-3 && abs < 1e4 ? String(Number(value.toPrecision(3))) : value.toExponential(1);
}

/**
 * Creates an SVG element with attributes.
 * @param {string} name
 * @param {Record<string, string | number>} attributes
 * @param {string} [text]
 */
function svg(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** @param {number} lr */
function xOf(lr) {
  const t = (Math.log10(lr) - Math.log10(START_LR)) / (Math.log10(END_LR) - Math.log10(START_LR));
  return MARGIN.left + t * (WIDTH - MARGIN.left - MARGIN.right);
}

/** Draws the axes, the raw and smoothed curves and, once known, the suggestion. */
function draw() {
  const suggestion = suggested;
  drawPending = false;
  chart.replaceChildren();
  /** @type {number[]} */
  const smoothed = [];
  for (const p of points) {
    if (p.smoothed !== null && isFinite(p.smoothed)) smoothed.push(p.smoothed);
  }
  let lo = smoothed.length ? Math.min(...smoothed) : 0;
  let hi = smoothed.length ? Math.max(...smoothed) : 1;
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  /** @param {number} v */
  const yOf = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);

  const clip = svg("clipPath", { id: "plot-area" });
  clip.append(
    svg("rect", {
      x: MARGIN.left,
      y: top,
      width: WIDTH - MARGIN.left - MARGIN.right,
      height: bottom - top,
    }),
  );
  chart.append(clip);
  for (let e = Math.ceil(Math.log10(START_LR)); e <= Math.log10(END_LR); e++) {
    const x = xOf(10 ** e);
    chart.append(svg("line", { class: "grid", x1: x, x2: x, y1: top, y2: bottom }));
    chart.append(
      svg("text", { class: "tick", x, y: bottom + 16, "text-anchor": "middle" }, `1e${e}`),
    );
  }
  for (let i = 0; smoothed.length > 0 && i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const y = yOf(v);
    chart.append(
      svg("line", { class: "grid", x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y }),
    );
    chart.append(
      svg(
        "text",
        { class: "tick", x: MARGIN.left - 6, y: y + 4, "text-anchor": "end" },
        formatNumber(v),
      ),
    );
  }
  chart.append(
    svg("line", {
      class: "axis",
      x1: MARGIN.left,
      x2: WIDTH - MARGIN.right,
      y1: bottom,
      y2: bottom,
    }),
  );
  chart.append(
    svg("line", { class: "axis", x1: MARGIN.left, x2: MARGIN.left, y1: top, y2: bottom }),
  );
  chart.append(
    svg("text", {
      class: "tick",
      x: (WIDTH + MARGIN.left) / 2,
      y: HEIGHT - 6,
      "text-anchor": "middle",
    }, "learning rate (log scale)"),
  );
  /** @param {"loss" | "smoothed"} key */
  const path = (key) => {
    let d = "";
    let pen = "M";
    for (const p of points) {
      const v = p[key];
      if (v === null || !isFinite(v)) {
        pen = "M";
        continue;
      }
      d += `${pen}${xOf(p.lr).toFixed(1)},${yOf(v).toFixed(1)}`;
      pen = "L";
    }
    return d;
  };
  chart.append(svg("path", { class: "raw", d: path("loss"), "clip-path": "url(#plot-area)" }));
  chart.append(
    svg("path", {
      class: "smoothed",
      d: path("smoothed"),
      "clip-path": "url(#plot-area)",
      "data-points": smoothed.length,
    }),
  );
  for (const trial of verified.trials) {
    const best = trial.lr === verified.best;
    const marker = svg("circle", {
      class: `trial-marker${best ? " best" : ""}${trial.diverged ? " diverged" : ""}`,
      cx: xOf(trial.lr),
      cy: bottom - 6,
      r: best ? 5 : 4,
    });
    marker.append(svg("title", {}, `trial at ${formatNumber(trial.lr)}: ${trialNote(trial)}`));
    chart.append(marker);
  }
  if (suggestion && suggestion.lr !== null) {
    const x = xOf(suggestion.lr);
    chart.append(svg("line", { class: "suggestion-line", x1: x, x2: x, y1: top, y2: bottom }));
    const nearest = points.reduce(
      (best, p) =>
        Math.abs(p.lr - /** @type {number} */ (suggestion.lr)) <
            Math.abs(best.lr - /** @type {number} */ (suggestion.lr))
          ? p
          : best,
      points[0],
    );
    if (nearest && nearest.smoothed !== null) {
      chart.append(
        svg("circle", { class: "suggestion-dot", cx: x, cy: yOf(nearest.smoothed), r: 5 }),
      );
    }
    const anchor = x > WIDTH * 0.7 ? "end" : "start";
    chart.append(
      svg("text", {
        class: "suggestion-label",
        x: anchor === "end" ? x - 6 : x + 6,
        y: top + 14,
        "text-anchor": anchor,
      }, `suggested ${formatNumber(suggestion.lr)}`),
    );
  }
}

function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => draw());
}

/**
 * Shows a problem (RFC 9457) or any other failure in the error box.
 * @param {string} message
 * @param {{ path: string, detail: string }[]} [errors]
 */
function showError(message, errors) {
  errorBox.replaceChildren();
  const text = document.createElement("p");
  text.textContent = message;
  errorBox.append(text);
  if (errors && errors.length > 1) {
    const list = document.createElement("ul");
    for (const error of errors) {
      const item = document.createElement("li");
      item.textContent = `${error.path}: ${error.detail}`;
      list.append(item);
    }
    errorBox.append(list);
  }
  errorBox.hidden = false;
}

/**
 * A plain-words headline for a problem's status.
 * @param {number} status
 * @param {string | undefined} title
 */
function headline(status, title) {
  if (status === 422 || status === 400) return "Please check the data and settings";
  if (status === 413) return "The data is too large for this server";
  if (status === 429) return "The server is busy, try again shortly";
  if (status === 503) return "The server is restarting its sweep worker, try again shortly";
  if (status === 401) return "This server needs an access token";
  return title ?? `Error ${status}`;
}

/**
 * Reads a problem response into the error box.
 * @param {Response} response
 */
async function showProblem(response) {
  let problem;
  try {
    problem = await response.json();
  } catch {
    showError(`The server answered ${response.status} ${response.statusText}.`);
    return;
  }
  showError(
    `${headline(response.status, problem.title)}: ${problem.detail ?? response.statusText}`,
    problem.errors,
  );
}

/** Builds the request body from the form. */
function requestBody() {
  const csv = csvText.value.trim();
  if (!csv) {
    throw new Error("Add data first: choose a CSV file, paste CSV text or use the example.");
  }
  const hidden = MODEL_SIZES[/** @type {keyof typeof MODEL_SIZES} */ (modelSize.value)] ??
    MODEL_SIZES.small;
  /** @type {Record<string, unknown>} */
  const body = {
    name: "page",
    model: {
      layers: [...hidden.map((units) => ({ type: "dense", units, activation: "relu" })), {
        type: "output",
      }],
    },
    data: { csv, label: labelInput.value.trim() || "label" },
    optimizer: { name: optimizer.value },
    sweep: { startLr: START_LR, endLr: END_LR, numIters: Number(steps.value) },
  };
  if (!verifyBox.checked) body.verify = false;
  if (task.value === "classification") body.loss = "sparseCategoricalCrossentropy";
  if (task.value === "regression") body.loss = "meanSquaredError";
  return JSON.stringify(body);
}

/**
 * Handles one server-sent event.
 * @param {string} name
 * @param {string} data
 */
function onEvent(name, data) {
  if (name === "progress") {
    const p = JSON.parse(data);
    if (p.run === 0) points.push({ lr: p.lr, loss: p.loss, smoothed: p.smoothed });
    progressLine.textContent = `Step ${p.step + 1} of ${p.numIters}` +
      (p.runs > 1 ? ` (run ${p.run + 1} of ${p.runs})` : "") +
      (p.smoothed === null ? "" : `, smoothed loss ${formatNumber(p.smoothed)}`);
    scheduleDraw();
  } else if (name === "verify") {
    const v = JSON.parse(data);
    progressLine.textContent = `Verifying: trial ${v.trial + 1} of ${v.trials} at ` +
      `${formatNumber(v.lr)}, step ${v.step}; ${v.done} of ${v.planned} steps planned`;
  } else if (name === "result") {
    const result = JSON.parse(data);
    points = result.lrs.map((/** @type {number} */ lr, /** @type {number} */ i) => ({
      lr,
      loss: result.losses[i],
      smoothed: result.smoothed[i],
    }));
    const trusted = result.suggestion.trusted !== false;
    suggested = trusted ? result.suggestion : undefined;
    verified = { trials: result.trials ?? [], best: result.verification?.best };
    draw();
    progressLine.textContent = `Stopped: ${result.stopReason} after ${result.lrs.length} of ` +
      `${result.settings.numIters} steps on ${result.settings.backend}` +
      (result.verification?.steps
        ? `; verification trained ${result.verification.steps} steps in ` +
          `${(result.verification.ms / 1000).toFixed(1)} s.`
        : ".");
    showConclusion(result);
    downloadLink.href = URL.createObjectURL(new Blob([data], { type: "application/json" }));
    download.hidden = false;
  } else if (name === "error") {
    const problem = JSON.parse(data);
    showError(`${headline(problem.status, problem.title)}: ${problem.detail}`, problem.errors);
  }
}

/**
 * What a trial's row says besides its numbers.
 * @param {Trial} trial
 */
function trialNote(trial) {
  if (trial.diverged) return "diverged";
  const loss = trial.heldOutLoss === null ? "" : `held-out loss ${formatNumber(trial.heldOutLoss)}`;
  if (trial.lr === verified.best) return `${loss}, chosen`;
  return loss;
}

/**
 * The headline, the verdict on verification, the warnings and the trials of a result. A
 * suggestion with an untrusted warning is not shown as a rate to use: the headline says why.
 * @param {any} result
 */
function showConclusion(result) {
  const suggestion = result.suggestion;
  /** @type {{ code: string, message: string, severity: string }[]} */
  const warnings = result.warnings ?? [];
  const untrusted = warnings.filter((w) => w.severity === "untrusted");
  const how = suggestion.method === "verified"
    ? "verified by short training"
    : `${suggestion.method} rule`;
  suggestionLine.classList.toggle(
    "untrusted",
    suggestion.lr !== null && suggestion.trusted === false,
  );
  if (suggestion.lr === null) {
    suggestionLine.textContent = `No suggestion: ${suggestion.reason}`;
  } else if (suggestion.trusted === false) {
    const more = untrusted.length > 1 ? ` (and ${untrusted.length - 1} more below)` : "";
    suggestionLine.textContent = `No rate to trust: ${
      untrusted[0]?.message ?? "see the warnings below"
    }${more}`;
  } else {
    suggestionLine.textContent = `Suggested learning rate: ${formatNumber(suggestion.lr)} (${how})`;
  }
  const verification = result.verification;
  /** @type {string[]} */
  const verdict = [];
  if (suggestion.lr !== null && suggestion.trusted === false) {
    verdict.push(
      `${suggestion.method === "verified" ? "Verification chose" : `The ${how} read`} ` +
        `${formatNumber(suggestion.lr)}; the warnings say why it is not a rate to use as is.`,
    );
  }
  if (verification?.outcome === "fallback") {
    verdict.push(`Not verified: ${verification.reason}.`);
  } else if (verification?.outcome === "verified") {
    verdict.push(
      `${
        suggestion.trusted === false ? "Verification" : "Verified"
      }: ${result.trials.length} rates trained from the same start, up to ` +
        `${verification.maxSteps} steps each, scored on ${verification.heldOutSize} held-out ` +
        "samples.",
    );
  }
  verdictLine.textContent = verdict.join(" ");
  warningList.replaceChildren();
  for (const warning of warnings) {
    const item = document.createElement("li");
    item.className = `warning ${warning.severity}`;
    const badge = document.createElement("strong");
    badge.textContent = warning.severity === "untrusted" ? "untrusted" : "caution";
    const code = document.createElement("code");
    code.textContent = warning.code;
    item.append(badge, ` ${warning.message} `, code);
    warningList.append(item);
  }
  warningsBlock.hidden = warnings.length === 0;
  trialRows.replaceChildren();
  for (const trial of verified.trials) {
    const row = trialRows.insertRow();
    if (trial.lr === verified.best) row.className = "best";
    const note = trial.diverged
      ? "diverged"
      : trial.lr === verified.best
      ? "chosen"
      : trial.steps < (verification?.maxSteps ?? 0)
      ? "pruned"
      : "";
    const cells = [
      formatNumber(trial.lr),
      String(trial.steps),
      trial.heldOutLoss === null ? "—" : formatNumber(trial.heldOutLoss),
      note,
    ];
    for (const text of cells) row.insertCell().textContent = text;
  }
  trialsBlock.hidden = verified.trials.length === 0;
}

/**
 * Reads an event stream to its end.
 * @param {ReadableStream<Uint8Array>} stream
 */
async function readEvents(stream) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
      }
      if (data.length) onEvent(name, data.join("\n"));
    }
  }
}

/** @param {SubmitEvent} event */
async function run(event) {
  event.preventDefault();
  errorBox.hidden = true;
  download.hidden = true;
  suggestionLine.textContent = "";
  suggestionLine.classList.remove("untrusted");
  verdictLine.textContent = "";
  warningsBlock.hidden = true;
  trialsBlock.hidden = true;
  points = [];
  suggested = undefined;
  verified = { trials: [], best: undefined };
  draw();
  let body;
  try {
    body = requestBody();
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
    return;
  }
  running = new AbortController();
  runButton.disabled = true;
  stopButton.disabled = false;
  progressLine.textContent = "Waiting for the server…";
  /** @type {Record<string, string>} */
  const headers = { "content-type": "application/json", accept: "text/event-stream" };
  if (token.value) headers.authorization = `Bearer ${token.value}`;
  try {
    const response = await fetch("/v1/sweep", {
      method: "POST",
      headers,
      body,
      signal: running.signal,
    });
    if (!response.ok || !response.body) {
      progressLine.textContent = "";
      await showProblem(response);
      return;
    }
    await readEvents(response.body);
  } catch (error) {
    if (running.signal.aborted) progressLine.textContent = "Stopped.";
    else showError(`The request failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    running = undefined;
    runButton.disabled = false;
    stopButton.disabled = true;
  }
}

/** A small seeded dataset: three blobs in two dimensions, labelled a, b and c. */
function exampleCsv() {
  let state = 42;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centers = { a: [-2, 0], b: [2, 1], c: [0, 3] };
  const rows = ["x1,x2,label"];
  for (let i = 0; i < 300; i++) {
    const label = /** @type {keyof typeof centers} */ ("abc"[i % 3]);
    const [cx, cy] = centers[label];
    rows.push(`${(cx + normal()).toFixed(3)},${(cy + normal()).toFixed(3)},${label}`);
  }
  return rows.join("\n") + "\n";
}

async function showServer() {
  try {
    const response = await fetch("/v1/health");
    const health = await response.json();
    serverStatus.textContent =
      `Server: LR Finder ${health.version}, backend ${health.backend}, ${health.state}` +
      `; up to ${health.limits.maxSamples} samples and ${health.limits.maxSteps} steps.`;
    tokenRow.hidden = !health.auth;
  } catch {
    serverStatus.textContent = "The server did not answer.";
  }
}

csvFile.addEventListener("change", async () => {
  const file = csvFile.files?.[0];
  if (file) csvText.value = await file.text();
});
byId("example").addEventListener("click", () => {
  csvFile.value = "";
  csvText.value = exampleCsv();
  labelInput.value = "label";
});
stopButton.addEventListener("click", () => running?.abort());
form.addEventListener("submit", run);
draw();
showServer();
