/**
 * The Markdown the Action posts: the sticky comment of one config (and the same text in the job
 * summary). It holds the suggestion (or, when it cannot be trusted, why not), the cautions, the
 * base comparison, the plot, what verification did with its trials, the rules table, the
 * settings (backend and GPU adapter included) and the Mermaid chart in a collapsed section, and
 * stays under GitHub's comment limit.
 * @module
 */
import {
  escapeMarkdown,
  mermaidBlock,
  rulesTable,
  settingsTable,
  stopLine,
  timingLine,
} from "../src/report/mod.ts";
import type { LrFinderResult } from "../src/result.ts";
import { verificationParts } from "./verification_report.ts";

/** GitHub's limit on the length of a comment body. */
export const MAX_COMMENT_LENGTH = 65_536;

/** Options of {@linkcode commentBody}. */
export interface CommentBodyOptions {
  /** URL of the plot; no image when absent. */
  imageUrl?: string;
  /** The comparison with the base branch (one Markdown line). */
  comparison?: string;
  /** Commit the result belongs to. */
  commit?: string;
  /** Link to the workflow run. */
  runUrl?: string;
  /** Longest body allowed (default {@linkcode MAX_COMMENT_LENGTH}). */
  maxLength?: number;
}

/** The hidden marker that identifies a config's sticky comment. */
export function commentMarker(name: string): string {
  // `--` and `>` would end the HTML comment early; keep the marker one line.
  const safe = name.replace(/[<>\r\n]/g, "_").replaceAll("--", "-_");
  return `<!-- lr-finder:${safe} -->`;
}

/**
 * The comment body for a result, starting with its marker. Sections are left out, least
 * important first (the Mermaid chart, the settings, then the trials table), until the body fits
 * `maxLength`; as a last resort the text is cut with a note.
 */
export function commentBody(result: LrFinderResult, options: CommentBodyOptions = {}): string {
  const max = options.maxLength ?? MAX_COMMENT_LENGTH;
  const variants = [
    { settings: true, mermaid: true, trials: true },
    { settings: true, mermaid: false, trials: true },
    { settings: false, mermaid: false, trials: true },
    { settings: false, mermaid: false, trials: false },
  ];
  let body = "";
  for (const variant of variants) {
    body = assemble(result, options, variant);
    if (body.length <= max) return body;
  }
  const note = "\n\n_(cut to fit GitHub's comment limit)_\n";
  return body.slice(0, Math.max(0, max - note.length)) + note;
}

function assemble(
  result: LrFinderResult,
  options: CommentBodyOptions,
  include: { settings: boolean; mermaid: boolean; trials: boolean },
): string {
  const trust = verificationParts(result);
  const parts = [
    commentMarker(result.name),
    `### Learning-rate range test: ${escapeMarkdown(result.name)}`,
    trust.headline,
  ];
  if (trust.cautions) parts.push(trust.cautions);
  if (options.comparison) parts.push(options.comparison);
  if (options.imageUrl) {
    parts.push(
      `![Loss against learning rate for ${escapeMarkdown(result.name)}](${options.imageUrl})`,
    );
  }
  if (trust.verification) parts.push(trust.verification);
  if (trust.trials && include.trials) parts.push(trust.trials);
  parts.push(rulesTable(result).trimEnd(), stopLine(result));
  if (include.settings) {
    const settings = [settingsTable(result).trimEnd(), trust.settings, timingLine(result)];
    parts.push(details("Settings", settings.filter(Boolean).join("\n\n")));
  }
  if (include.mermaid) {
    parts.push(details("Loss curve (Mermaid)", mermaidBlock(result).trimEnd()));
  }
  const footer = [];
  if (options.commit) footer.push(`commit ${options.commit.slice(0, 7)}`);
  if (options.runUrl) footer.push(`[workflow run](${options.runUrl})`);
  footer.push("LR Finder");
  parts.push(`<sub>${footer.join(" · ")}</sub>`);
  return parts.join("\n\n") + "\n";
}

function details(summary: string, content: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${content}\n\n</details>`;
}
