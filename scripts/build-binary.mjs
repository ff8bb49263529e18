#!/usr/bin/env node
// Builds dist/tasque, one executable for Linux x64 that runs Tasque with no
// Node.js or node_modules installed, with Node.js's single executable
// application (SEA) support. Usage: npm run build:binary
//
// 1. esbuild bundles src/cli/main.ts and every package it imports, the
//    dynamically imported ones included, into one CommonJS script, because
//    a SEA runs one CommonJS script and its require() loads only built-in
//    modules.
// 2. Node.js turns the script into a SEA blob with a V8 code cache.
// 3. postject injects the blob into a copy of the Node.js executable that
//    runs this script, so the result links glibc as that Node.js does.
// 4. `dist/tasque --version` must print the version and nothing else.
// 5. The SHA-256 checksum is printed and written to dist/tasque.sha256.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { inject } from "postject";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DIST = join(ROOT, "dist");
const WORK = join(DIST, "sea");
const BUNDLE = join(WORK, "tasque.cjs");
const BLOB = join(WORK, "tasque.blob");
const SEA_CONFIG = join(WORK, "sea-config.json");
const EXECUTABLE = join(DIST, "tasque");
const LICENSES = join(DIST, "tasque.licenses.txt");
/** The string Node.js looks for to find an injected blob, the same in every Node.js release with SEA support. */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
/** Major version of Node.js that AWS SDK releases from January 2027 on require, as its NodeVersionSupportWarning states. */
const AWS_SDK_NODE_MAJOR = 22;

/**
 * Modules that the bundled packages load only inside a try/catch and do
 * without, each replaced by a module that throws:
 * - ssh2's cipher binding (`*.node`) and cpu-features, native add-ons that
 *   ssh2, a dependency of dockerode, loads when they are built. ssh2 falls
 *   back to JavaScript ciphers, and Tasque never opens an SSH connection.
 * - supports-color, which the debug package, a dependency of dockerode, uses
 *   when it is installed; it is not.
 * Left as runtime require() calls, each would print the SEA warning that
 * require() loads only built-in modules.
 */
const OPTIONAL_MODULES = /^(cpu-features|supports-color)$|\.node$/;

function fail(message) {
  process.stderr.write(`build-binary: ${message}\n`);
  process.exit(1);
}

function checkHost() {
  if (process.platform !== "linux" || process.arch !== "x64") {
    fail(`the executable is a copy of the running Node.js, so it must be built on Linux x64, not ${process.platform}-${process.arch}`);
  }
  const [major, minor] = process.versions.node.split(".").map(Number);
  // `useCodeCache` in the SEA configuration needs Node.js 20.6 or newer.
  if (major < 20 || (major === 20 && minor < 6)) fail(`Node.js 20.6 or newer is required, found ${process.version}`);
  if (!readFileSync(process.execPath).includes(SEA_FUSE)) {
    fail(`${process.execPath} has no SEA support (the string ${SEA_FUSE} is missing); build with an official Node.js build from nodejs.org`);
  }
  if (major < AWS_SDK_NODE_MAJOR) {
    process.stderr.write(
      `build-binary: note: the executable embeds Node.js ${process.version}; AWS SDK releases from January 2027 on require Node.js ${AWS_SDK_NODE_MAJOR}, so build with Node.js ${AWS_SDK_NODE_MAJOR} or newer to take SDK updates\n`,
    );
  }
}

const stubOptionalModules = {
  name: "stub-optional-modules",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: OPTIONAL_MODULES }, (args) => ({ path: args.path, namespace: "optional-module-stub" }));
    pluginBuild.onLoad({ filter: /.*/, namespace: "optional-module-stub" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not included in the Tasque executable`)});`,
      loader: "js",
    }));
  },
};

/** Bundles the CLI into one CommonJS script and returns esbuild's metafile. */
async function bundle(version) {
  const result = await build({
    entryPoints: [join(ROOT, "src/cli/main.ts")],
    outfile: BUNDLE,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    // Keeps class names, which error messages and logged error types show.
    keepNames: true,
    // The license texts go to dist/tasque.licenses.txt instead.
    legalComments: "none",
    define: {
      TASQUE_BUNDLED_VERSION: JSON.stringify(version),
      // The SDK's warning tells users to upgrade Node.js, which users of the executable
      // cannot do, so checkHost() prints a note for the person who builds it instead.
      "process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": JSON.stringify("true"),
    },
    plugins: [stubOptionalModules],
    metafile: true,
    logLevel: "warning",
    logOverride: {
      // src/cli/main.ts reads the package version through createRequire(import.meta.url)
      // only when TASQUE_BUNDLED_VERSION is not defined, which never happens in the bundle.
      "empty-import-meta": "silent",
    },
  });
  if (result.warnings.length > 0) fail(`esbuild reported ${result.warnings.length} warning(s), printed above`);
  checkRuntimeImports(result.metafile);
  return result.metafile;
}

/**
 * Fails the build when the bundle still loads a module that is not built into
 * Node.js at run time: the executable would print a warning and fail to load it.
 */
function checkRuntimeImports(metafile) {
  const imports = Object.values(metafile.outputs).flatMap((output) => output.imports);
  const external = [...new Set(imports.filter((entry) => entry.external && !isBuiltin(entry.path)).map((entry) => entry.path))];
  if (external.length > 0) fail(`the bundle still loads ${external.join(", ")} at run time; bundle them or add them to OPTIONAL_MODULES`);
}

/** Returns the folder of the npm package that contains `file`, a path relative to the repository, or undefined for Tasque's own files. */
function packageFolder(file) {
  const parts = file.split("/");
  const index = parts.lastIndexOf("node_modules");
  if (index < 0) return undefined;
  const nameLength = parts[index + 1].startsWith("@") ? 2 : 1;
  return parts.slice(0, index + 1 + nameLength).join("/");
}

function findLicenseFile(folder) {
  const names = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license", "license.md", "LICENCE", "LICENSE-MIT"];
  return names.map((name) => join(folder, name)).find((path) => existsSync(path));
}

/**
 * Writes the name, version and license text of every package in the
 * bundle, because the executable carries their code without their package
 * folders. Returns the number of packages.
 */
function writeLicenses(metafile) {
  const folders = [...new Set(Object.keys(metafile.inputs).map(packageFolder).filter(Boolean))].sort();
  const sections = folders.map((folder) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, folder, "package.json"), "utf8"));
    const licenseFile = findLicenseFile(join(ROOT, folder));
    const text = licenseFile ? readFileSync(licenseFile, "utf8").trim() : `License: ${manifest.license ?? "not stated"}; the package ships no license file.`;
    return `${manifest.name} ${manifest.version}\n${"-".repeat(40)}\n${text}\n`;
  });
  const header = `The Tasque executable contains Node.js ${process.version} (license: https://github.com/nodejs/node/blob/${process.version}/LICENSE) and these npm packages.\n\n`;
  writeFileSync(LICENSES, header + sections.join("\n"));
  return folders.length;
}

/**
 * Injects the blob with postject. LIEF, the ELF library inside postject,
 * warns "Can't find string offset for section name '.note.100'" for the
 * notes of official Node.js builds. The executable works regardless, so
 * exactly those lines are dropped and any other warning is printed.
 */
async function injectBlob() {
  const harmless = /^warning: Can't find string offset for section name '\.note(\.\d+)?'$/;
  const originalWarn = console.warn;
  console.warn = (...args) => {
    if (!(args.length === 1 && harmless.test(String(args[0])))) originalWarn(...args);
  };
  try {
    await inject(EXECUTABLE, "NODE_SEA_BLOB", readFileSync(BLOB), { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = originalWarn;
  }
}

async function createExecutable() {
  // The V8 code cache nearly halves the start-up of `dist/tasque --version`: a median of
  // 59 ms against 104 ms without it, over 21 runs on a 2-core AMD EPYC. V8 does not write
  // the cache byte for byte the same each time, so each build has its own checksum.
  const seaConfig = { main: BUNDLE, output: BLOB, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true };
  writeFileSync(SEA_CONFIG, `${JSON.stringify(seaConfig, null, 2)}\n`);
  const blob = spawnSync(process.execPath, ["--experimental-sea-config", SEA_CONFIG], { encoding: "utf8" });
  if (blob.status !== 0) fail(`node --experimental-sea-config failed with ${blob.status ?? blob.signal}:\n${blob.stdout}${blob.stderr}`);

  rmSync(EXECUTABLE, { force: true });
  copyFileSync(process.execPath, EXECUTABLE);
  chmodSync(EXECUTABLE, 0o755);
  await injectBlob();
}

/** Fails the build unless `dist/tasque --version`, with an empty environment, prints the version and nothing else. */
function smokeTest(version) {
  const run = spawnSync(EXECUTABLE, ["--version"], { env: {}, encoding: "utf8", timeout: 30_000 });
  if (run.error) fail(`dist/tasque --version could not run: ${run.error.message}`);
  if (run.status !== 0) fail(`dist/tasque --version exited with ${run.status ?? run.signal}:\n${run.stderr}`);
  if (run.stdout !== `${version}\n`) fail(`dist/tasque --version printed ${JSON.stringify(run.stdout)}, expected ${JSON.stringify(`${version}\n`)}`);
  if (run.stderr !== "") fail(`dist/tasque --version wrote to stderr:\n${run.stderr}`);
}

async function main() {
  checkHost();
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  mkdirSync(WORK, { recursive: true });
  // The npm package ships dist/ (package.json "files"), and this file keeps the executable and its build files out of it.
  writeFileSync(join(DIST, ".npmignore"), ["tasque", "tasque.sha256", "tasque.licenses.txt", "sea/"].join("\n") + "\n");

  const metafile = await bundle(version);
  const packageCount = writeLicenses(metafile);
  await createExecutable();
  smokeTest(version);

  const contents = readFileSync(EXECUTABLE);
  const checksum = createHash("sha256").update(contents).digest("hex");
  // The format of sha256sum, so that `sha256sum -c tasque.sha256` checks a download next to it.
  writeFileSync(`${EXECUTABLE}.sha256`, `${checksum}  tasque\n`);
  const sizeMiB = (contents.length / 2 ** 20).toFixed(1);
  process.stderr.write(
    `build-binary: wrote ${relative(ROOT, EXECUTABLE)}: Tasque ${version} on Node.js ${process.version}, ${sizeMiB} MiB, ` +
      `${packageCount} npm packages bundled (licenses in ${relative(ROOT, LICENSES)})\n`,
  );
  process.stdout.write(`SHA-256 ${checksum}  ${relative(ROOT, EXECUTABLE)}\n`);
}

await main();
