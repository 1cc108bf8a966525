// Builds the CodeMirror bundle into ../static/vendor (committed; see README.md):
//
//   codemirror-<version>.js            the bundle: one IIFE defining window.ILMEditor
//   codemirror-<version>.js.LEGAL.txt  the licences of every package bundled in it
//   manifest.json                      {"codemirror", "sha256", "bytes", "gzipBytes"} for the Go side
//
// The esbuild options are those of
//   esbuild src/codemirror.js --bundle --minify --format=iife --target=es2020 \
//     --legal-comments=external --outfile=../static/vendor/codemirror-<version>.js
// through the JS API, which also reports which packages went in. The output depends only on
// the sources and the locked packages: two builds are byte-identical.

import { build } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = resolve(root, "../static/vendor");
const readJSON = (p) => JSON.parse(readFileSync(p, "utf8"));

// The version is CodeMirror's (that of @codemirror/view) and the revision of this bundle:
// "6.43.15-ilm1". package.json holds it; it must follow the installed view.
const version = readJSON(join(root, "package.json")).version;
const viewVersion = readJSON(join(root, "node_modules/@codemirror/view/package.json")).version;
if (!/^[0-9A-Za-z.-]+$/.test(version) || !version.startsWith(viewVersion + "-ilm")) {
  console.error(`package.json's version ${version} must be ${viewVersion}-ilm<N> (the installed @codemirror/view, then the bundle's revision)`);
  process.exit(1);
}
const file = `codemirror-${version}.js`;
const outfile = join(vendor, file);
const legalFile = outfile + ".LEGAL.txt";

// Earlier versions' files go: one bundle is committed at a time.
for (const name of readdirSync(vendor)) {
  if (/^codemirror-.*\.js(\.LEGAL\.txt)?$/.test(name)) rmSync(join(vendor, name));
}

const result = await build({
  absWorkingDir: root,
  entryPoints: ["src/codemirror.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "external",
  outfile,
  define: { __ILM_VERSION__: JSON.stringify(version) },
  banner: { js: `/* ILMEditor ${version}: CodeMirror 6 and Lezer, MIT licence; see ${file}.LEGAL.txt */` },
  metafile: true,
  logLevel: "warning",
});

// The licence file: the LICENSE of every package with code in the bundle (imported modules
// that tree shaking emptied do not count), then what esbuild extracted, if anything.
const packages = new Map();
for (const [input, { bytesInOutput }] of Object.entries(result.metafile.outputs[relative(root, outfile)].inputs)) {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m && bytesInOutput > 0) packages.set(m[1], join(root, "node_modules", m[1]));
}
let legal = `Third-party software in ${file}\n\n`;
for (const name of [...packages.keys()].sort()) {
  const dir = packages.get(name);
  const pkg = readJSON(join(dir, "package.json"));
  const licenseFile = readdirSync(dir).sort().find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  if (!licenseFile) {
    console.error(`${name} has no LICENSE file to ship`);
    process.exit(1);
  }
  const text = readFileSync(join(dir, licenseFile), "utf8").replace(/\r\n?/g, "\n").trim();
  legal += `${"=".repeat(72)}\n${name}@${pkg.version} (${pkg.license})\n${"=".repeat(72)}\n\n${text}\n\n`;
}
if (existsSync(legalFile)) {
  legal += `${"=".repeat(72)}\nLegal comments from the sources\n${"=".repeat(72)}\n\n${readFileSync(legalFile, "utf8").trim()}\n`;
}
writeFileSync(legalFile, legal);

const bundle = readFileSync(outfile);
const manifest = {
  codemirror: file,
  sha256: createHash("sha256").update(bundle).digest("hex"),
  bytes: bundle.length,
  gzipBytes: gzipSync(bundle, { level: 9 }).length,
};
writeFileSync(join(vendor, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

const kb = (n) => (n / 1024).toFixed(1) + " KiB";
console.log(`${relative(root, outfile)}: ${kb(manifest.bytes)}, ${kb(manifest.gzipBytes)} gzipped (level 9)`);
console.log(`bundled: ${[...packages.keys()].sort().join(", ")}`);
