/**
 * What some tests need from the machine (a browser, a dataset package, a WebGPU adapter, a
 * program) and the one place that decides what happens when it is missing: locally the tests
 * that need it are skipped with a message saying what to install; with
 * `LR_FINDER_REQUIRE_ALL=1` (set by `.ci/run`) they fail, naming the missing resource, so a
 * broken install step cannot turn into a quietly green run.
 * @module
 */
import { join } from "node:path";
import { DEFAULT_DATA_DIR, FASHION_MNIST_FILES } from "../examples/fashion-mnist/main.ts";
import type { GpuAdapterDescription } from "../src/backend.ts";

/** The environment variable that turns every missing resource into a failure. */
export const REQUIRE_ALL = "LR_FINDER_REQUIRE_ALL";

/** Something tests need from the machine. */
export interface Resource<T> {
  /** What it is and where it was looked for, as a person would say it. */
  what: string;
  /** How to get it. */
  install: string;
  /** The resource (a path, an adapter) when it is there, else `undefined`. */
  find(): Promise<T | undefined>;
}

/** A resource looked for: its value, and how to declare the tests that need it. */
export interface Availability<T> {
  /** The resource when it is there. */
  value: T | undefined;
  /**
   * A test that needs the resource: as given when it is there; when it is missing, skipped
   * (locally) or failing with a message naming the resource (with `LR_FINDER_REQUIRE_ALL=1`).
   */
  test(definition: Deno.TestDefinition): Deno.TestDefinition;
}

/** Where {@linkcode requireResource} reads the switch and writes its warning; for tests. */
export interface RequireOptions {
  /** Environment variables; default `Deno.env`. */
  env?: { get(name: string): string | undefined };
  /** Where the skip message goes; default `console.warn`. */
  warn?: (message: string) => void;
}

/** Whether `LR_FINDER_REQUIRE_ALL` asks for every resource. */
export function requiringAll(env: RequireOptions["env"] = Deno.env): boolean {
  const value = env.get(REQUIRE_ALL)?.trim().toLowerCase();
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

/**
 * Looks for a resource once, at a test module's top level. A missing resource is announced
 * there (locally) and every test declared through {@linkcode Availability.test} is skipped, or,
 * with `LR_FINDER_REQUIRE_ALL=1`, fails saying what is missing and how to install it.
 */
export async function requireResource<T>(
  resource: Resource<T>,
  options: RequireOptions = {},
): Promise<Availability<T>> {
  const value = await resource.find();
  if (value !== undefined) return { value, test: (definition) => definition };
  if (requiringAll(options.env)) {
    const message = `missing test resource: ${resource.what} (${resource.install}); ` +
      `${REQUIRE_ALL}=1 does not allow skipping the tests that need it`;
    return {
      value,
      test: (definition) => ({
        ...definition,
        fn: () => {
          throw new Error(message);
        },
      }),
    };
  }
  (options.warn ?? console.warn)(
    `skipping the tests that need ${resource.what}: not found (${resource.install}); ` +
      `${REQUIRE_ALL}=1 makes this a failure`,
  );
  return { value, test: (definition) => ({ ...definition, ignore: true }) };
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((info) => info.isFile, () => false);
}

/** Where the Fashion-MNIST files are looked for: `LR_FINDER_FASHION_MNIST_DIR`, else Debian's. */
export function fashionMnistDir(env: RequireOptions["env"] = Deno.env): string {
  return env.get("LR_FINDER_FASHION_MNIST_DIR") || DEFAULT_DATA_DIR;
}

/** The folder with the four Fashion-MNIST IDX files. */
export const FASHION_MNIST: Resource<string> = {
  what: `the Fashion-MNIST IDX files in ${fashionMnistDir()}`,
  install: "apt-get install dataset-fashion-mnist, or set LR_FINDER_FASHION_MNIST_DIR",
  async find() {
    const dir = fashionMnistDir();
    for (const file of Object.values(FASHION_MNIST_FILES)) {
      if (!await isFile(join(dir, file))) return undefined;
    }
    return dir;
  },
};

/** The Chromium the page test drives (playwright-core launches this executable). */
export const CHROMIUM: Resource<string> = {
  what: "Chromium at /usr/bin/chromium",
  install: "apt-get install chromium",
  find: async () => await isFile("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined,
};

/** `script`, which runs a command on a pseudo-terminal. */
export const SCRIPT: Resource<string> = {
  what: "the program `script` (util-linux)",
  install: "apt-get install bsdutils",
  async find() {
    try {
      const { code } = await new Deno.Command("script", { args: ["--version"] }).output();
      return code === 0 ? "script" : undefined;
    } catch {
      return undefined;
    }
  },
};

/** A native BLAS library that Deno may load (`--allow-ffi`), passing the startup check. */
export const BLAS_LIBRARY: Resource<string> = {
  what: "a native BLAS library loadable through Deno FFI",
  install: "apt-get install libopenblas0-pthread, run with --allow-ffi, or set LR_FINDER_BLAS",
  async find() {
    const { usableBlasLibrary } = await import("../src/kernels/cpu_kernels.ts");
    return usableBlasLibrary();
  },
};

/** A WebGPU adapter, real or a software fallback such as llvmpipe. */
export const WEBGPU_ADAPTER: Resource<GpuAdapterDescription> = {
  what: "a WebGPU adapter",
  install: "a GPU with its Vulkan driver, or Mesa's llvmpipe: apt-get install libegl1 " +
    "libegl-mesa0 libgl1-mesa-dri",
  async find() {
    const { describeGpuAdapter } = await import("../src/backend.ts");
    return await describeGpuAdapter();
  },
};
