/**
 * The web page markup (served at `/`).
 * Kept as a string module so the page ships inside the app (no static files to copy into
 * the Lambda asset). No backticks or dollar-braces inside: it is a raw template.
 * `__CARDOCR_CONFIG__` is replaced by the page configuration (page.ts), HTML-escaped JSON.
 */
export const INDEX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<meta name="cardocr-config" content="__CARDOCR_CONFIG__">
<title>Card OCR</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#scan-title">Skip to scanning</a>
<header class="bar">
  <h1>Card OCR</h1>
  <button id="sign-out" type="button" class="link" hidden>Sign out</button>
</header>
<main>
  <p id="error" class="error" role="alert" hidden></p>

  <section id="signin-section" class="card" aria-labelledby="signin-title" hidden>
    <h2 id="signin-title">Sign in</h2>
    <p>Sign in with your account to scan cards. You are sent to the sign-in page and back here.</p>
    <button id="sign-in" type="button">Sign in</button>
  </section>

  <section id="token-section" class="card" aria-labelledby="token-title" hidden>
    <h2 id="token-title">API token</h2>
    <p>Open the link that <code>cardocr serve</code> printed (it ends in <code>#token=…</code>), or paste its token here. It is kept for this tab only.</p>
    <form id="token-form">
      <label for="token-input">Token</label>
      <div class="row">
        <input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required>
        <button type="submit">Use token</button>
      </div>
    </form>
  </section>

  <section id="scan-section" class="card" aria-labelledby="scan-title" hidden>
    <h2 id="scan-title" tabindex="-1">Scan cards</h2>
    <div id="drop" class="drop">
      <p>Drop photos of cards here, or</p>
      <div class="row center">
        <input id="file-camera" class="visually-hidden" type="file" accept="image/jpeg,image/png,image/webp" capture="environment">
        <label for="file-camera" class="button">Take a photo</label>
        <input id="file-pick" class="visually-hidden" type="file" accept="image/jpeg,image/png,image/webp" multiple>
        <label for="file-pick" class="button secondary">Choose photos</label>
      </div>
      <p id="limits-hint" class="hint">JPEG, PNG or WebP. Lay the card flat on a plain background, fit the whole card in the frame, avoid glare.</p>
    </div>
    <p id="status-text" class="status" role="status" aria-live="polite"></p>
    <ol id="batch" class="batch" aria-label="Photos in this batch" hidden></ol>
  </section>

  <section id="result-section" class="card" aria-labelledby="result-title" hidden>
    <h2 id="result-title" tabindex="-1">What was read</h2>
    <p id="result-file" class="file-name"></p>
    <div class="result-grid">
      <figure id="photo" class="photo">
        <div id="photo-frame" class="photo-frame"></div>
        <figcaption id="photo-caption" class="hint"></figcaption>
      </figure>
      <div class="fields">
        <p id="result-advice" class="advice" hidden></p>
        <dl id="result-fields"></dl>
        <p id="result-timing" class="hint"></p>
      </div>
    </div>
  </section>

  <section id="recent-section" class="card" aria-labelledby="recent-title" hidden>
    <div class="row spread">
      <h2 id="recent-title">Recent scans</h2>
      <div class="row">
        <label for="filter" class="inline">Show</label>
        <select id="filter">
          <option value="">All scans</option>
          <option value="done">Read</option>
          <option value="failed">Failed</option>
          <option value="reading">Being read</option>
          <option value="queued">Queued</option>
          <option value="awaiting_upload">Waiting for the photo</option>
        </select>
        <button id="refresh" type="button" class="secondary">Refresh</button>
      </div>
    </div>
    <p id="recent-empty" class="hint">No scans yet.</p>
    <ul id="recent" class="recent"></ul>
    <button id="more" type="button" class="secondary" hidden>More</button>
  </section>
</main>
<dialog id="confirm-delete" aria-labelledby="confirm-title" aria-describedby="confirm-text">
  <h2 id="confirm-title">Delete this scan?</h2>
  <p id="confirm-text"></p>
  <div class="row end">
    <button id="confirm-cancel" type="button" class="secondary">Cancel</button>
    <button id="confirm-ok" type="button" class="danger">Delete</button>
  </div>
</dialog>
<footer><p>Card numbers are shown masked: first 6 and last 4 digits at most. Photos are deleted once read; the pictures on this page are your own files, shown from this browser and forgotten when you reload.</p></footer>
</body>
</html>
`;
