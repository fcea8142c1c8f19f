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
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--fg);
  background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #111418; --fg: #e8eaed; --muted: #a0a8b4; --card: #1b1f24; --line: #343a42; --accent: #6ea0ff; --accent-fg: #0b0d10; --danger: #ff8a80; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; line-height: 1.5; }
.bar { display: flex; align-items: center; justify-content: space-between; padding: 0.75rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
h3 { font-size: 1rem; margin: 0 0 0.5rem; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
footer { max-width: 40rem; margin: 0 auto; padding: 0 1rem 2rem; color: var(--muted); font-size: 0.875rem; }
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
.error { margin: 0; padding: 0.75rem 1rem; border-radius: 0.5rem; border: 1px solid var(--danger); color: var(--danger); background: var(--card); }
.recent { list-style: none; margin: 0; padding: 0; }
.recent li { display: flex; align-items: center; justify-content: space-between; gap: 0.75rem; padding: 0.6rem 0; border-top: 1px solid var(--line); }
.recent li:first-child { border-top: none; }
.scan-text { display: flex; flex-direction: column; min-width: 0; }
.scan-pan { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.scan-meta { color: var(--muted); font-size: 0.8125rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
`;
