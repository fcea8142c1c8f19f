/**
 * The web page markup (served at `/`).
 * Kept as a string module so the page ships inside the app (no static files to copy into
 * the Lambda asset). No backticks or dollar-braces inside: it is a raw template.
 */
export const INDEX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>Card OCR</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="bar">
  <h1>Card OCR</h1>
  <button id="forget-token" type="button" class="link" hidden>Forget token</button>
</header>
<main>
  <p id="error" class="error" role="alert" hidden></p>

  <section id="token-section" class="card" aria-labelledby="token-title" hidden>
    <h2 id="token-title">API token</h2>
    <p>Open the link printed by <code>cardocr serve</code>, or paste its token here. It is kept for this tab only.</p>
    <form id="token-form">
      <label for="token-input">Token</label>
      <div class="row">
        <input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required>
        <button type="submit">Use token</button>
      </div>
    </form>
  </section>

  <section id="scan-section" class="card" aria-labelledby="scan-title" hidden>
    <h2 id="scan-title">Scan a card</h2>
    <div id="drop" class="drop">
      <p>Drop a photo of the card here, or</p>
      <div class="row center">
        <input id="file-camera" class="visually-hidden" type="file" accept="image/*" capture="environment">
        <label for="file-camera" class="button">Take a photo</label>
        <input id="file-pick" class="visually-hidden" type="file" accept="image/*">
        <label for="file-pick" class="button secondary">Choose a photo</label>
      </div>
      <p class="hint">JPEG, PNG or WebP. Lay the card flat, fill most of the frame, avoid glare.</p>
    </div>
    <div id="progress-box" class="progress" hidden>
      <progress id="progress" max="100" value="0" aria-labelledby="status-text"></progress>
      <p id="status-text" role="status" aria-live="polite"></p>
    </div>
    <div id="result" class="result" hidden aria-live="polite">
      <h3>Result</h3>
      <dl>
        <dt>Number</dt><dd id="result-pan" class="pan"></dd>
        <dt>Brand</dt><dd id="result-brand"></dd>
        <dt>Expiry</dt><dd id="result-expiry"></dd>
        <dt>Name</dt><dd id="result-name"></dd>
      </dl>
      <p id="result-note" class="hint"></p>
    </div>
  </section>

  <section id="recent-section" class="card" aria-labelledby="recent-title" hidden>
    <div class="row spread">
      <h2 id="recent-title">Recent scans</h2>
      <button id="refresh" type="button" class="secondary">Refresh</button>
    </div>
    <p id="recent-empty" class="hint">No scans yet.</p>
    <ul id="recent" class="recent"></ul>
  </section>
</main>
<footer><p>Card numbers are shown masked: first 6 and last 4 digits at most. Photos are deleted once read.</p></footer>
</body>
</html>
`;
