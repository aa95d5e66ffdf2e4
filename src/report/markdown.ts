/**
 * The Markdown report, built from pieces that other surfaces reuse (the GitHub Action's sticky
 * comment adds an image URL and a comparison with the base branch): the suggestion line, the
 * rules table, the stop line, the settings table, the timing line and the Mermaid block.
 * @module
 */
import type { LrFinderResult, Settings, StopReason } from "../result.ts";
import { RULE_NAMES } from "../vocabulary.ts";
import { formatCount, formatDuration, formatLr, formatUncertainty } from "./format.ts";
import { mermaidChart, type MermaidOptions } from "./mermaid.ts";
import { ruleNote } from "./rule_notes.ts";

/** Options of {@linkcode markdownReport}. */
export interface MarkdownOptions {
  /** URL or relative path of the plot image; no image when absent. */
  imageUrl?: string;
  /** Level of the report's heading (default 2: `##`); sections are one level below. */
  headingLevel?: number;
  /** Include the Mermaid chart (default true). */
  mermaid?: boolean;
}

/**
 * Escapes text for Markdown: characters Markdown would read as formatting or HTML, on one line,
 * and `@` and `#` followed by a zero-width space (`&#8203;`) so that GitHub links no mention,
 * team or issue reference.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#|~&]/g, (c) => `\\${c}`)
    .replace(/\r?\n|\r/g, " ")
    .replace(/[@#]/g, (c) => `${c}&#8203;`);
}

/**
 * The suggestion as one line: `**Suggested learning rate: 7.6e-4** (valley)`, with the spread
 * over runs when there is one, or why no rate was suggested.
 */
export function suggestionLine(result: LrFinderResult): string {
  const s = result.suggestion;
  if (s.lr === null) {
    return `**No learning rate suggested** (${escapeMarkdown(s.method)}): ${
      escapeMarkdown(s.reason)
    }`;
  }
  let line = `**Suggested learning rate: ${formatLr(s.lr)}** (${escapeMarkdown(s.method)})`;
  const u = result.uncertainty;
  if (u) {
    line += u.runsWithSuggestion > 0
      ? `, ${formatUncertainty(u)}`
      : `, no run of ${u.perRun.length} suggested a rate on its own`;
  }
  return line;
}

/**
 * Every rule's suggestion as a Markdown table, noting the curve each was read on (or why it has
 * none); the chosen rule is marked.
 */
export function rulesTable(result: LrFinderResult): string {
  const rows = [
    "| Rule | Learning rate | Step | Note |",
    "| --- | ---: | ---: | --- |",
  ];
  for (const rule of RULE_NAMES) {
    const s = result.suggestions[rule];
    if (!s) continue;
    const chosen = rule === result.suggestion.method;
    const name = chosen ? `**${rule}** (chosen)` : rule;
    const lr = s.lr === null ? "none" : chosen ? `**${formatLr(s.lr)}**` : formatLr(s.lr);
    const step = s.index === null ? "" : String(s.index);
    rows.push(`| ${name} | ${lr} | ${step} | ${escapeMarkdown(ruleNote(result, rule))} |`);
  }
  return rows.join("\n") + "\n";
}

/** Why and where the sweep stopped, as one sentence. */
export function stopLine(result: LrFinderResult): string {
  const steps = result.lrs.length;
  const planned = result.settings.numIters;
  const lastLr = steps > 0 ? formatLr(result.lrs[steps - 1]) : "n/a";
  const what: Record<StopReason, string> = {
    completed: `completed all ${planned} steps (up to ${lastLr})`,
    diverged: `diverged after ${steps} of ${planned} steps, at ${lastLr}: the smoothed loss ` +
      `exceeded ${result.settings.divergeThreshold} times its lowest value`,
    "non-finite":
      `stopped after ${steps} of ${planned} steps: the loss was not finite at ${lastLr}`,
    "time-budget": `stopped by the time budget after ${steps} of ${planned} steps (at ${lastLr})`,
    aborted: `aborted after ${steps} of ${planned} steps (at ${lastLr})`,
  };
  const runs = result.settings.runs > 1 ? ` (first of ${result.settings.runs} runs)` : "";
  return `Stop: ${what[result.stopReason]}${runs}.`;
}

/** The inputs that shaped the curve as a Markdown table. */
export function settingsTable(result: LrFinderResult): string {
  const s = result.settings;
  const { name: optimizer, ...params } = s.optimizer;
  const paramText = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) =>
      `${escapeMarkdown(k)} ${
        typeof v === "number" ? String(v) : escapeMarkdown(JSON.stringify(v))
      }`
    )
    .join(", ");
  const model = [`${formatCount(result.model.params)} parameters`];
  if (result.model.layers !== undefined) model.push(`${result.model.layers} layers`);
  const samples = s.validationSize === undefined
    ? formatCount(s.trainSize)
    : `${formatCount(s.trainSize)} train, ${formatCount(s.validationSize)} validation per step`;
  const rows: [string, string][] = [
    ["Model", `${escapeMarkdown(result.name)} (${model.join(", ")})`],
    ["Backend", escapeMarkdown(backendText(s))],
    ...adapterFoundRow(s),
    [
      "Optimizer",
      `${escapeMarkdown(optimizer)}${paramText ? ` (${paramText})` : ""}, ${
        escapeMarkdown(s.optimizerState)
      } state`,
    ],
    [
      "Loss",
      `${escapeMarkdown(s.loss)} on the ${
        s.evaluate === "validation" ? "validation" : "training"
      } data`,
    ],
    ["Batch size", String(s.batchSize)],
    ["Seed", s.runs > 1 ? `${s.seed} (run r uses ${s.seed} + r)` : String(s.seed)],
    [
      "Sweep",
      `${formatLr(s.startLr)} to ${formatLr(s.endLr)}, ${s.numIters} steps, ${
        s.mode === "exp" ? "exponential" : "linear"
      }`,
    ],
    ["Smoothing", `beta ${s.smoothing}`],
    ["Divergence threshold", `${s.divergeThreshold} times the lowest smoothed loss`],
    ["Runs", String(s.runs)],
    ["Suggestion rule", s.suggest === "auto" ? `auto (${result.suggestion.method})` : s.suggest],
    ["Samples", samples],
  ];
  return [
    "| Setting | Value |",
    "| --- | --- |",
    ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`),
  ].join("\n") + "\n";
}

/**
 * The backend the sweep ran on, with the GPU adapter when that backend is webgpu:
 * `webgpu, NVIDIA H200`, `wasm`.
 */
export function backendText(settings: Settings): string {
  return settings.backend === "webgpu" && settings.adapter
    ? `${settings.backend}, ${settings.adapter}`
    : settings.backend;
}

/** The row for the WebGPU adapter that was found, whether or not the sweep ran on it. */
function adapterFoundRow(s: Settings): [string, string][] {
  // Results written before `adapterFound` existed put the adapter found on any backend in
  // `adapter`.
  const found = s.adapterFound ??
    (s.adapter && s.backend !== "webgpu"
      ? { description: s.adapter, isFallbackAdapter: false }
      : undefined);
  if (!found) return [];
  const kind = found.isFallbackAdapter ? ", a software fallback" : "";
  const use = s.backend === "webgpu" ? "" : `, not used (the sweep ran on ${s.backend})`;
  return [["GPU adapter found", escapeMarkdown(`${found.description}${kind}${use}`)]];
}

/** Wall-clock figures as one sentence. */
export function timingLine(result: LrFinderResult): string {
  const t = result.timing;
  const perStep = Number.isFinite(t.msPerStep) ? `${Number(t.msPerStep.toPrecision(3))} ms` : "n/a";
  const warmup = t.warmupMs === undefined ? "" : `, kernel warm-up ${formatDuration(t.warmupMs)}`;
  return `Timing: ${t.steps} steps in ${formatDuration(t.sweepMs)} (${perStep} a step)${warmup}, ` +
    `${formatDuration(t.totalMs)} in all, started ${escapeMarkdown(t.startedAt)}.`;
}

/** The Mermaid chart in a fenced code block, which GitHub renders as a chart. */
export function mermaidBlock(result: LrFinderResult, options: MermaidOptions = {}): string {
  return "```mermaid\n" + mermaidChart(result, options) + "```\n";
}

/** The whole Markdown report: heading, suggestion, image, rules, stop, settings, timing, chart. */
export function markdownReport(result: LrFinderResult, options: MarkdownOptions = {}): string {
  const level = Math.min(5, Math.max(1, Math.floor(options.headingLevel ?? 2)));
  const h = "#".repeat(level);
  const sub = "#".repeat(level + 1);
  const parts = [
    `${h} Learning-rate range test: ${escapeMarkdown(result.name)}\n`,
    suggestionLine(result) + "\n",
  ];
  if (options.imageUrl) {
    parts.push(
      `![Loss against learning rate for ${escapeMarkdown(result.name)}](${options.imageUrl})\n`,
    );
  }
  parts.push(`${sub} Suggestions by rule\n`, rulesTable(result), stopLine(result) + "\n");
  parts.push(`${sub} Settings\n`, settingsTable(result), timingLine(result) + "\n");
  if (options.mermaid ?? true) parts.push(`${sub} Loss curve\n`, mermaidBlock(result));
  return parts.join("\n");
}

/** Makes text safe inside a table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replace(/\r?\n/g, " ");
}
