// Builds static/vendor/portal.bundle.css, the one stylesheet every page loads (run by `make assets`,
// offline, from node_modules): Bootstrap and Bootstrap Icons with the rules no page uses left out
// (PurgeCSS), the icon font cut to the icons left and shown with `font-display: swap`, then the
// event calendar's CSS and ours (static/css/*.css, kept whole, portal.css first).
//
// PurgeCSS keeps a selector when its class names appear as words in the templates, our scripts or
// the Python code and YAML that emit class names. Class names put together at run time are kept
// by the SAFELIST patterns below, and icon names chosen in code (`icon="people"` shown as
// `bi-{{ icon }}`) are kept when they appear as a quoted string anywhere in the scanned files.
// A new Bootstrap class in a template is picked up by the next `make assets` (make serve / test).
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PurgeCSS } from "purgecss";
import subsetFont from "subset-font";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const NM = join(ROOT, "node_modules");
const OUT = join(ROOT, "static", "vendor");
const CONTENT = [
  "views/templates/**/*.jinja2",
  "static/js/**/*.js",
  "views/**/*.py",
  "portal/**/*.py",
  "models/**/*.py",
  "workflows/**/*.py",
  "config/**/*.yaml",
].map((glob) => join(ROOT, glob));

// Classes that templates, Python and Bootstrap's own script build at run time.
const COLORS = "(primary|secondary|success|danger|warning|info|light|dark|body|muted|white|black)";
const colored = (prefix) => new RegExp(`^${prefix}${COLORS}(-subtle|-emphasis)?$`);
const SAFELIST = {
  standard: [
    colored("bg-"), colored("text-bg-"), colored("text-"), colored("btn-"), colored("btn-outline-"),
    colored("alert-"), colored("border-"), colored("list-group-item-"), colored("table-"),
    /^collapsing$/, /^show$/, /^showing$/, /^hiding$/, /^fade$/, /^active$/, /^disabled$/,
    /^modal-(backdrop|open|static)$/, /^dropdown-menu-(start|end)$/,
    /^was-validated$/, /^is-(in)?valid$/,
  ],
  // Attributes Bootstrap's script sets (a navbar's dropdown gets data-bs-popper="static").
  greedy: [/data-bs-popper/, /data-popper-placement/],
};

function files(dir, ext) {
  return readdirSync(dir, { recursive: true })
    .filter((name) => name.endsWith(ext))
    .map((name) => join(dir, name));
}

// Icon names written in the code: every quoted string that is one word, and in templates a name's
// prefix joined to each quoted word of the expression after it (`bi-sort-alpha-{{ 'down' ... }}`).
function iconWords() {
  const words = new Set();
  const sources = ["views", "portal", "models", "workflows", "config", "static/js"].flatMap(
    (dir) => [".py", ".jinja2", ".js", ".yaml"].flatMap((ext) => files(join(ROOT, dir), ext)));
  for (const file of sources) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/["']([a-z0-9][a-z0-9-]*)["']/g)) words.add(m[1]);
    for (const m of text.matchAll(/bi-([a-z0-9-]*)\{\{(.*?)\}\}/g)) {
      for (const q of m[2].matchAll(/'([^']*)'|"([^"]*)"/g)) words.add(m[1] + (q[1] ?? q[2]).split(" ")[0]);
    }
  }
  return words;
}

async function purge(css, safelist) {
  const [result] = await new PurgeCSS().purge({
    content: CONTENT,
    css: [{ raw: css }],
    safelist,
  });
  return result.css;
}

const md5 = (data) => createHash("md5").update(data).digest("hex").slice(0, 12);

async function main() {
  mkdirSync(join(OUT, "fonts"), { recursive: true });
  const bootstrap = await purge(
    readFileSync(join(NM, "bootstrap/dist/css/bootstrap.min.css"), "utf8"), SAFELIST);

  // Icons: a `bi-NAME` class kept when NAME is written in the code as a quoted word.
  const iconsCss = readFileSync(join(NM, "bootstrap-icons/font/bootstrap-icons.min.css"), "utf8");
  const known = new Set([...iconsCss.matchAll(/\.bi-([a-z0-9-]+)::before/g)].map((m) => m[1]));
  const quoted = [...iconWords()].filter((w) => known.has(w)).map((w) => `bi-${w}`);
  let icons = await purge(iconsCss, { standard: quoted.concat(["bi"]) });

  // The font with only the glyphs of the icons kept, linked by its own hash, shown with `swap`
  // (text is never hidden while it loads).
  const codepoints = [...icons.matchAll(/\.bi-[a-z0-9-]+::before\s*\{\s*content:\s*"\\([0-9a-f]+)"/g)]
    .map((m) => String.fromCodePoint(parseInt(m[1], 16)));
  const font = await subsetFont(
    readFileSync(join(NM, "bootstrap-icons/font/fonts/bootstrap-icons.woff2")),
    codepoints.join(""), { targetFormat: "woff2" });
  writeFileSync(join(OUT, "fonts", "bootstrap-icons.woff2"), font);
  icons = icons.replace(/@font-face\s*\{[^}]*\}/,
    "@font-face{font-display:swap;font-family:bootstrap-icons;" +
    `src:url("fonts/bootstrap-icons.woff2?v=${md5(font)}") format("woff2")}`);

  const ours = ["portal.css"].concat(
    readdirSync(join(ROOT, "static/css")).filter((n) => n.endsWith(".css") && n !== "portal.css").sort());
  const parts = [
    bootstrap,
    icons,
    readFileSync(join(NM, "@event-calendar/build/dist/event-calendar.min.css"), "utf8"),
    ...ours.map((n) => `/* static/css/${n} */\n` + readFileSync(join(ROOT, "static/css", n), "utf8")),
  ];
  writeFileSync(join(OUT, "portal.bundle.css"), parts.join("\n"));
  console.log(`portal.bundle.css: ${parts.join("\n").length} bytes, ` +
    `${codepoints.length} icons, font ${font.length} bytes`);
}

await main();
