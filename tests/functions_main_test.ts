import assert from "node:assert/strict";
import denoConfig from "../deno.json" with { type: "json" };
import { smallRequest } from "./functions_server.ts";

/** `deno task serve`'s command on a free port of 127.0.0.1, its stderr collected. */
function serve(env: Record<string, string>) {
  const args = denoConfig.tasks.serve.split(/\s+/).slice(1);
  const script = args.pop()!;
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, "--port", "0", "--host", "127.0.0.1", script],
    cwd: new URL("..", import.meta.url).pathname,
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  const output = { log: "" };
  const listening = Promise.withResolvers<string>();
  const finished = child.stderr.pipeTo(
    new WritableStream({
      write(chunk) {
        output.log += decoder.decode(chunk, { stream: true });
        const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output.log);
        if (match) listening.resolve(match[1]);
      },
    }),
  ).then(() => listening.reject(new Error(`the server ended:\n${output.log}`)));
  listening.promise.catch(() => {});
  return { child, output, listening: listening.promise, finished };
}

Deno.test("deno task serve starts the function from the environment's settings", async () => {
  const server = serve({ LR_FINDER_BACKEND: "cpu", LR_FINDER_MAX_STEPS: "40" });
  try {
    const url = await server.listening;
    const health = await (await fetch(`${url}/v1/health`)).json();
    assert.equal(health.backend, "cpu");
    assert.equal(health.version, denoConfig.version);
    assert.equal(health.limits.maxSteps, 40);
    const sweep = await fetch(`${url}/v1/sweep`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(smallRequest()),
    });
    assert.equal(sweep.status, 200);
    assert.equal((await sweep.json()).settings.backend, "cpu");
  } finally {
    server.child.kill("SIGTERM");
    await server.child.status;
    await server.finished;
  }
  assert.match(server.output.log, /lr-finder: backend cpu \(requested cpu\)/);
  assert.match(server.output.log, /lr-finder: sweep 200 json completed 12 steps in /);
});

Deno.test("a bad setting stops the server at start with a message naming it", async () => {
  const server = serve({ LR_FINDER_MAX_PARAMS: "lots" });
  const status = await server.child.status;
  await server.finished;
  assert.equal(status.code, 2);
  assert.match(
    server.output.log,
    /lr-finder: LR_FINDER_MAX_PARAMS must be a whole number of at least 1, got "lots"/,
  );
  assert.doesNotMatch(server.output.log, /\bat \w+ \(/, "no stack trace");
});
