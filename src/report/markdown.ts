/**
 * The Markdown report, built from pieces that other surfaces reuse (the GitHub Action's sticky
 * comment adds an image URL and a comparison with the base branch): the suggestion line, the
 * warnings, the rules table, the stop line, the verification line and trials table, the settings
 * table, the timing line and the Mermaid block.
 * @module
 */
import type { LrFinderResult, Settings, StopReason } from "../result.ts";
import { RULE_NAMES } from "../vocabulary.ts";
import { formatCount, formatDuration, formatLoss, formatLr } from "./format.ts";
import { mermaidChart, type MermaidOptions } from "./mermaid.ts";
import { ruleNote } from "./rule_notes.ts";
import {
  headlineParts,
  orderedWarnings,
  type TrialOutcome,
  trialsTable,
  verificationLine,
} from "./trials.ts";
import { UNTRUSTED } from "../warnings.ts";

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
 * The headline as one line (see `headline` in trials.ts), its lead in bold:
 * `**Suggested learning rate: 7.6e-4** (valley)` with the spread over runs when there is one,
 * `**No trustworthy suggestion**: <why>; the combined rule read 3.0e-3` when a warning withdraws
 * the trust in the rate, or why no rate was suggested.
 */
export function suggestionLine(result: LrFinderResult): string {
  const parts = headlineParts(result);
  return `**${parts.lead}**${escapeMarkdown(parts.detail)}`;
}

/**
 * The warnings as a Markdown list, those that withdraw the trust in the rate first and marked
 * in bold; empty when there are none.
 */
export function warningsList(result: LrFinderResult): string {
  const lines = orderedWarnings(result).map((w) =>
    w.severity === UNTRUSTED
      ? `- **Not trusted:** ${escapeMarkdown(w.message)}`
      : `- Caution: ${escapeMarkdown(w.message)}`
  );
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}

const OUTCOME_TEXT: Readonly<Record<TrialOutcome, string>> = {
  chosen: "**best**",
  trained: "trained",
  pruned: "pruned",
  stopped: "stopped",
  diverged: "diverged",
};

/**
 * The verification trials as a Markdown table (rate, steps, held-out loss, what became of each,
 * the best in bold); empty when verification trained none.
 */
export function trialsMarkdown(result: LrFinderResult): string {
  const rows = trialsTable(result);
  if (rows.length === 0) return "";
  const lines = [
    "| Learning rate | Steps | Held-out loss | Trial |",
    "| ---: | ---: | ---: | --- |",
  ];
  for (const row of rows) {
    const chosen = row.outcome === "chosen";
    const bold = (text: string) => chosen ? `**${text}**` : text;
    lines.push(
      `| ${bold(formatLr(row.lr))} | ${row.steps} | ${bold(formatLoss(row.heldOutLoss))} | ` +
        `${OUTCOME_TEXT[row.outcome]} |`,
    );
  }
  return lines.join("\n") + "\n";
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
    ...verificationRow(result),
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

/** The verification settings, when verification ran. */
function verificationRow(result: LrFinderResult): [string, string][] {
  const v = result.verification?.settings;
  if (!v) return [];
  return [[
    "Verification",
    `${v.candidates} candidates at most, ${v.spacing} decades apart, ${v.steps} steps, ` +
    `${v.prune ? "pruned by halves" : "no pruning"}, tolerance ${v.tolerance}, horizon shift ` +
    `${v.horizonShift} decades, at most ${formatCount(v.heldOutSamples)} held-out samples`,
  ]];
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

/**
 * The whole Markdown report: heading, suggestion, warnings, image, rules, stop, verification and
 * trials, settings, timing, chart.
 */
export function markdownReport(result: LrFinderResult, options: MarkdownOptions = {}): string {
  const level = Math.min(5, Math.max(1, Math.floor(options.headingLevel ?? 2)));
  const h = "#".repeat(level);
  const sub = "#".repeat(level + 1);
  const parts = [
    `${h} Learning-rate range test: ${escapeMarkdown(result.name)}\n`,
    suggestionLine(result) + "\n",
  ];
  const warnings = warningsList(result);
  if (warnings) parts.push(warnings);
  if (options.imageUrl) {
    parts.push(
      `![Loss against learning rate for ${escapeMarkdown(result.name)}](${options.imageUrl})\n`,
    );
  }
  parts.push(`${sub} Suggestions by rule\n`, rulesTable(result), stopLine(result) + "\n");
  const verification = verificationLine(result);
  if (verification !== null) {
    parts.push(`${sub} Verification\n`, escapeMarkdown(verification) + "\n");
    const trials = trialsMarkdown(result);
    if (trials) parts.push(trials);
  }
  parts.push(`${sub} Settings\n`, settingsTable(result), timingLine(result) + "\n");
  if (options.mermaid ?? true) parts.push(`${sub} Loss curve\n`, mermaidBlock(result));
  return parts.join("\n");
}

/** Makes text safe inside a table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replace(/\r?\n/g, " ");
}
