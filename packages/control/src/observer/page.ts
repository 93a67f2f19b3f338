/**
 * The observer page and its style sheet: plain HTML and CSS, no framework, no secrets
 * (the token stays in the browser: the page reads it from the URL fragment).
 */

export const OBSERVER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pd observer</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header>
  <h1>pd observer</h1>
  <span id="engine">connecting…</span>
  <span id="summary"></span>
  <span id="conn" class="conn">…</span>
  <button id="pause" type="button">pause</button>
</header>
<main>
  <section id="tree-panel" class="panel">
    <h2>Supervision tree</h2>
    <ul id="tree" class="tree"></ul>
  </section>
  <section class="panel wide">
    <nav id="tabs">
      <button data-tab="top" class="active" type="button">Top</button>
      <button data-tab="exits" type="button">Recent exits</button>
      <button data-tab="dead" type="button">Dead letters</button>
      <button data-tab="cores" type="button">Cores</button>
    </nav>
    <div id="tab-top" class="tab">
      <table id="top"><thead><tr>
        <th data-sort="path">path</th><th data-sort="kind">kind</th><th data-sort="status">status</th>
        <th data-sort="depth" class="num">mailbox</th><th data-sort="rate" class="num">msg/s</th>
        <th data-sort="handled" class="num">handled</th><th data-sort="restarts" class="num">restarts</th><th></th>
      </tr></thead><tbody></tbody></table>
    </div>
    <div id="tab-exits" class="tab hidden"><table id="exits"><thead><tr><th>time</th><th>path</th><th>kind</th><th>reason</th></tr></thead><tbody></tbody></table></div>
    <div id="tab-dead" class="tab hidden"><p id="dead-summary"></p><table id="dead"><thead><tr><th>time</th><th>to</th><th>reason</th><th>message</th></tr></thead><tbody></tbody></table></div>
    <div id="tab-cores" class="tab hidden"><table id="cores"><thead><tr><th>core</th><th class="num">actors</th><th class="num">mailbox</th><th class="num">msg/s</th><th class="num">restarts</th></tr></thead><tbody></tbody></table></div>
  </section>
  <section id="details" class="panel hidden">
    <h2>Actor <code id="details-path"></code> <button id="details-close" type="button">×</button></h2>
    <div class="buttons"><button id="details-stop" type="button">stop</button> <button id="details-kill" type="button">kill</button> <button id="details-restart" type="button">restart</button></div>
    <dl id="details-info"></dl>
    <h3>Recent exits at this path</h3>
    <ul id="details-exits"></ul>
  </section>
  <section class="panel charts">
    <h2>Last minutes</h2>
    <figure><canvas id="chart-rate" width="560" height="120"></canvas><figcaption>messages handled / s</figcaption></figure>
    <figure><canvas id="chart-restarts" width="560" height="120"></canvas><figcaption>restarts and dead letters / s</figcaption></figure>
  </section>
</main>
<footer id="message"></footer>
<script src="app.js"></script>
</body>
</html>
`;

export const OBSERVER_CSS = `
:root { --bg: #fbfbfa; --fg: #1d1d1b; --muted: #6b6b66; --line: #e2e1dc; --accent: #1f6feb; --bad: #c43d2b; --ok: #2b8a3e; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 16px; align-items: baseline; padding: 8px 16px; border-bottom: 1px solid var(--line); background: #fff; }
h1 { font-size: 16px; margin: 0; }
h2 { font-size: 14px; margin: 0 0 8px; }
h3 { font-size: 13px; margin: 12px 0 4px; }
main { display: grid; grid-template-columns: minmax(260px, 1fr) 2fr; gap: 12px; padding: 12px 16px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow: auto; }
.wide { max-height: 60vh; }
.charts { grid-column: 1 / -1; display: flex; flex-wrap: wrap; gap: 16px; }
.charts h2 { width: 100%; }
figure { margin: 0; }
figcaption { color: var(--muted); }
.hidden { display: none !important; }
#details { grid-column: 1 / -1; }
.tree, .tree ul { list-style: none; margin: 0; padding-left: 14px; }
.tree { padding-left: 0; font-family: ui-monospace, monospace; }
.tree li > span { cursor: pointer; }
.tree li > span:hover { text-decoration: underline; }
.kind { color: var(--muted); }
.badge { display: inline-block; padding: 0 5px; border-radius: 8px; background: #fde8e4; color: var(--bad); font-size: 11px; margin-left: 4px; }
.status-running { color: var(--ok); }
.status-stopping, .status-suspended { color: #b07d00; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th[data-sort] { cursor: pointer; user-select: none; }
th.sorted::after { content: " ▾"; }
th.sorted.asc::after { content: " ▴"; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.path { font-family: ui-monospace, monospace; cursor: pointer; }
nav button { border: 0; background: none; padding: 4px 10px; cursor: pointer; color: var(--muted); }
nav button.active { color: var(--fg); border-bottom: 2px solid var(--accent); }
button { font: inherit; }
.conn { margin-left: auto; color: var(--muted); }
.conn.bad { color: var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
dt { color: var(--muted); }
dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
footer { padding: 4px 16px; color: var(--muted); }
`;
