/**
 * The web page styles (served at `/assets/app.css`).
 * Kept as a string module so the page ships inside the app (no static files to copy into
 * the Lambda asset). No backticks or dollar-braces inside: it is a raw template.
 */
export const STYLES = String.raw`:root {
  --bg: #f5f6f8;
  --fg: #1b1f24;
  --muted: #5a6270;
  --card: #ffffff;
  --line: #d7dbe0;
  --accent: #0b5fff;
  --accent-fg: #ffffff;
  --danger: #b3261e;
  --warn: #9a5b00;
  --ok: #1e7a34;
  --pan: #0b5fff;
  --expiry: #b0006d;
  --name: #007a6c;
  --outline: #ffd400;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--fg);
  background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #111418; --fg: #e8eaed; --muted: #a0a8b4; --card: #1b1f24; --line: #343a42; --accent: #6ea0ff; --accent-fg: #0b0d10; --danger: #ff8a80; --warn: #ffb74d; --ok: #7bd88f; --pan: #6ea0ff; --expiry: #ff7ac6; --name: #4fd8c4; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; line-height: 1.5; }
.bar { display: flex; align-items: center; justify-content: space-between; padding: 0.75rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
h3 { font-size: 1rem; margin: 0 0 0.5rem; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
footer { max-width: 46rem; margin: 0 auto; padding: 0 1rem 2rem; color: var(--muted); font-size: 0.875rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 0.75rem; padding: 1rem; }
.row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.row.center { justify-content: center; }
.row.spread { justify-content: space-between; }
.row input { flex: 1 1 12rem; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
input[type="password"] { font: inherit; padding: 0.6rem; border: 1px solid var(--line); border-radius: 0.5rem; background: var(--bg); color: var(--fg); }
button, .button { font: inherit; font-weight: 600; display: inline-block; margin: 0; padding: 0.6rem 1rem; min-height: 2.75rem; border-radius: 0.5rem; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); padding: 0.25rem; min-height: auto; text-decoration: underline; }
button.delete { background: transparent; color: var(--danger); border-color: var(--danger); padding: 0.3rem 0.75rem; min-height: 2.25rem; }
button:disabled { opacity: 0.5; cursor: not-allowed; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
input.visually-hidden:focus-visible + label { outline: 3px solid var(--accent); outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.drop { border: 2px dashed var(--line); border-radius: 0.75rem; padding: 1.25rem 1rem; text-align: center; }
.drop.over { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 8%, transparent); }
.drop[aria-busy="true"] { opacity: 0.6; pointer-events: none; }
.drop p { margin: 0 0 0.75rem; }
.hint { color: var(--muted); font-size: 0.875rem; margin: 0.75rem 0 0; }
.progress { margin-top: 1rem; }
progress { width: 100%; height: 0.75rem; accent-color: var(--accent); }
.progress p { margin: 0.25rem 0 0; }
.result { margin-top: 1rem; border-top: 1px solid var(--line); padding-top: 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.pan { font-family: ui-monospace, "DejaVu Sans Mono", monospace; letter-spacing: 0.05em; }
dd.pan:not(.missing) { white-space: nowrap; }
.error { margin: 0; padding: 0.75rem 1rem; border-radius: 0.5rem; border: 1px solid var(--danger); color: var(--danger); background: var(--card); }
.recent { list-style: none; margin: 0; padding: 0; }
.recent li { display: flex; align-items: center; justify-content: space-between; gap: 0.75rem; padding: 0.6rem 0; border-top: 1px solid var(--line); }
.recent li:first-child { border-top: none; }
.scan-text { display: flex; flex-direction: column; min-width: 0; }
.scan-pan { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.scan-meta { color: var(--muted); font-size: 0.8125rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); color: var(--accent); padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { left: 0.5rem; }
h2[tabindex="-1"]:focus { outline: none; }
label.inline { display: inline; margin: 0; font-weight: 400; color: var(--muted); }
select { font: inherit; padding: 0.45rem 0.5rem; min-height: 2.75rem; border: 1px solid var(--line); border-radius: 0.5rem; background: var(--bg); color: var(--fg); }
button.small { padding: 0.2rem 0.75rem; min-height: 2.25rem; font-size: 0.875rem; }
button.danger { background: var(--danger); border-color: var(--danger); color: var(--card); }
.row.end { justify-content: flex-end; }
.status { margin: 0.75rem 0 0; font-weight: 600; }
.status:empty { display: none; }
.batch { list-style: none; margin: 0.75rem 0 0; padding: 0; display: grid; gap: 0.5rem; }
.batch-item { display: flex; gap: 0.75rem; align-items: center; padding: 0.5rem; border: 1px solid var(--line); border-radius: 0.5rem; }
.batch-item.ok { border-color: color-mix(in srgb, var(--ok) 60%, var(--line)); }
.batch-item.bad, .batch-item.refused { border-color: color-mix(in srgb, var(--danger) 60%, var(--line)); }
.batch-body { display: grid; gap: 0.2rem; min-width: 0; flex: 1; justify-items: start; }
.batch-body progress { width: 100%; }
.batch-status { font-size: 0.875rem; color: var(--muted); overflow-wrap: anywhere; }
.batch-item.refused .batch-status, .batch-item.bad .batch-status { color: var(--danger); }
.file-name { font-weight: 600; overflow-wrap: anywhere; min-width: 0; }
.thumb { width: 4rem; height: 2.5rem; object-fit: cover; border-radius: 0.3rem; flex: none; background: var(--line); display: block; }
.thumb.placeholder { background: repeating-linear-gradient(135deg, var(--line) 0 6px, transparent 6px 12px); }
.result-grid { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1.4fr) minmax(15rem, 1fr); align-items: start; }
@media (max-width: 44rem) { .result-grid { grid-template-columns: minmax(0, 1fr); } }
.photo { margin: 0; }
.photo-frame { position: relative; line-height: 0; border-radius: 0.5rem; overflow: hidden; background: var(--line); }
.photo-img { display: block; width: 100%; height: auto; }
.overlay { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
.overlay .outline { fill: none; stroke: var(--outline); stroke-linejoin: round; }
.overlay .field { fill: color-mix(in srgb, currentColor 12%, transparent); stroke: currentColor; }
.overlay .field.missing { stroke-dasharray: 4 3; color: var(--warn); }
.overlay .field-pan, .overlay .label-pan { color: var(--pan); }
.overlay .field-expiry, .overlay .label-expiry { color: var(--expiry); }
.overlay .field-name, .overlay .label-name { color: var(--name); }
.overlay .label { fill: currentColor; stroke: #000; paint-order: stroke; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 700; }
.overlay .label.missing { color: var(--warn); }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 0.2rem; margin-right: 0.4rem; vertical-align: -0.05rem; border: 2px solid currentColor; }
.swatch-pan { color: var(--pan); } .swatch-expiry { color: var(--expiry); } .swatch-name { color: var(--name); }
.swatch.none { opacity: 0.35; border-style: dashed; }
dd.missing { color: var(--warn); font-weight: 400; }
.advice { margin: 0 0 0.75rem; padding: 0.6rem 0.75rem; border-radius: 0.5rem; border-left: 4px solid var(--warn); background: color-mix(in srgb, var(--warn) 10%, transparent); }
.advice.bad { border-left-color: var(--danger); }
.scan-open { flex: 1; min-width: 0; display: flex; gap: 0.75rem; align-items: center; text-align: left; background: none; border: none; color: inherit; font-weight: 400; padding: 0.25rem; min-height: 2.75rem; border-radius: 0.4rem; }
.scan-open:hover { background: color-mix(in srgb, var(--accent) 6%, transparent); }
.scan-status { font-size: 0.875rem; overflow-wrap: anywhere; }
.scan-status.bad { color: var(--danger); }
#more { margin-top: 0.75rem; width: 100%; }
dialog { border: 1px solid var(--line); border-radius: 0.75rem; background: var(--card); color: var(--fg); max-width: min(28rem, calc(100vw - 2rem)); padding: 1rem; }
dialog::backdrop { background: rgb(0 0 0 / 0.5); }
`;
