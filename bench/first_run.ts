/**
 * `deno run -A bench/first_run.ts [--runs N] [--command "task demo"] [--repo DIR]`: what a
 * newcomer's first `deno task demo` costs. Clones the repository's HEAD into a temporary folder
 * and runs the command there with an empty `DENO_DIR`, through a local proxy of the npm registry
 * that counts the bytes the registry sends. Prints, per run: the bytes downloaded (package
 * tarballs and metadata, as sent), the unpacked size of `DENO_DIR` and `node_modules` (hard links
 * counted once), the wall-clock time, the load average before and after, and whether a
 * build-script warning appeared. Needs git and the npm registry (the only network it uses).
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadAverage } from "./common.ts";

const UPSTREAM = "https://registry.npmjs.org";

/** Bytes the registry sent through the proxy, by kind. */
interface Traffic {
  tarballs: number;
  metadata: number;
  requests: number;
}

/** One measured first run. */
export interface FirstRun {
  /** Bytes the registry sent. */
  traffic: Traffic;
  /** Unpacked bytes in `DENO_DIR` and the clone's `node_modules`. */
  unpackedBytes: number;
  /** Wall-clock seconds of the command. */
  seconds: number;
  /** Load average (1, 5, 15 minutes) just before and just after. */
  loadBefore: string;
  loadAfter: string;
  /** Exit code of the command. */
  code: number;
  /** A build-script warning ("Ignored build scripts") was printed. */
  buildScriptWarning: boolean;
}

/** Starts the counting proxy; tarball URLs in metadata are rewritten to pass through it too. */
function startProxy(traffic: Traffic): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const self = `${url.protocol}//${url.host}`;
    const headers = new Headers(req.headers);
    headers.delete("host");
    const response = await fetch(UPSTREAM + url.pathname + url.search, { headers });
    const body = new Uint8Array(await response.arrayBuffer());
    traffic.requests++;
    const tarball = url.pathname.endsWith(".tgz");
    const sent = Number(response.headers.get("content-length") ?? body.byteLength);
    if (tarball) traffic.tarballs += sent;
    else traffic.metadata += sent;
    const out = (response.headers.get("content-type") ?? "").includes("json")
      ? new TextEncoder().encode(new TextDecoder().decode(body).replaceAll(UPSTREAM, self))
      : body;
    const replyHeaders = new Headers(response.headers);
    for (const name of ["content-length", "content-encoding", "transfer-encoding"]) {
      replyHeaders.delete(name);
    }
    return new Response(out, { status: response.status, headers: replyHeaders });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown() };
}

/** Sum of file sizes under the given folders, each inode once (Deno hard-links its cache). */
async function unpackedSize(dirs: string[]): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      const info = await Deno.lstat(path);
      if (info.isDirectory) await walk(path);
      else if (info.isFile) {
        const key = `${info.dev}:${info.ino}`;
        if (!seen.has(key)) {
          seen.add(key);
          total += info.size;
        }
      }
    }
  };
  for (const dir of dirs) {
    try {
      await walk(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return total;
}

async function git(args: string[], cwd?: string): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("git", { args, cwd }).output();
  if (code !== 0) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout).trim();
}

/** Clones HEAD of `repo` and runs `deno <command>` in it with an empty DENO_DIR. */
export async function measureFirstRun(repo: string, command: string[]): Promise<FirstRun> {
  const temp = await Deno.makeTempDir({ prefix: "lr-finder-first-run-" });
  const traffic: Traffic = { tarballs: 0, metadata: 0, requests: 0 };
  const proxy = startProxy(traffic);
  try {
    const clone = join(temp, "clone");
    await git(["clone", "--quiet", repo, clone]);
    const denoDir = join(temp, "deno_dir");
    const loadBefore = loadAverage();
    const started = performance.now();
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: command,
      cwd: clone,
      env: { DENO_DIR: denoDir, NPM_CONFIG_REGISTRY: proxy.url, NO_COLOR: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - started) / 1000;
    const loadAfter = loadAverage();
    const log = new TextDecoder().decode(stderr);
    if (code !== 0) console.error(log);
    return {
      traffic: { ...traffic },
      unpackedBytes: await unpackedSize([denoDir, join(clone, "node_modules")]),
      seconds,
      loadBefore,
      loadAfter,
      code,
      buildScriptWarning: /build script/i.test(log),
    };
  } finally {
    await proxy.close();
    await Deno.remove(temp, { recursive: true });
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "1" },
      command: { type: "string" },
      repo: { type: "string" },
    },
  });
  const repo = values.repo ?? new URL("..", import.meta.url).pathname;
  const command = (values.command ?? "task demo").split(" ");
  const commit = await git(["rev-parse", "--short", "HEAD"], repo);
  console.log(
    `First run of \`deno ${command.join(" ")}\` from a clone of ${commit}, empty DENO_DIR`,
  );
  console.log(
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs, ${new Date().toISOString()}`,
  );
  console.log(
    "\n| run | downloaded (tarballs + metadata) | unpacked | time | load before | load after | build-script warning | exit |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (let run = 1; run <= Number(values.runs); run++) {
    const r = await measureFirstRun(repo, command);
    console.log(
      `| ${run} | ${mb(r.traffic.tarballs + r.traffic.metadata)} MB (${mb(r.traffic.tarballs)} + ` +
        `${mb(r.traffic.metadata)}, ${r.traffic.requests} requests) | ${
          mb(r.unpackedBytes)
        } MB | ` +
        `${r.seconds.toFixed(1)} s | ${r.loadBefore} | ${r.loadAfter} | ` +
        `${r.buildScriptWarning ? "yes" : "no"} | ${r.code} |`,
    );
  }
}
