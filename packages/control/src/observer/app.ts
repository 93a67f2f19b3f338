/**
 * The observer's script, served as /observer/app.js: it polls the control-plane methods
 * `pd` uses (one JSON-RPC batch a second over POST /observer/rpc, token as a bearer
 * header), and draws the tree, a sortable top, details and recent exits, dead letters,
 * per-core totals and rate charts over the last five minutes. Plain browser JavaScript
 * (ES2020), no dependencies; written without template literals so it can live in a string.
 */

export const OBSERVER_JS = String.raw`'use strict';
(function () {
  var POLL_MS = 1000, HISTORY = 300;
  var token = readToken();
  var paused = false, nextId = 1, selected = null, sortKey = 'rate', sortAsc = false;
  var last = null, prev = null, rates = {}, hist = { rate: [], restarts: [], dead: [] };
  var $ = function (id) { return document.getElementById(id); };

  function readToken() {
    var m = /token=([^&]+)/.exec(location.hash || '');
    if (m) {
      var t = decodeURIComponent(m[1]);
      try { sessionStorage.setItem('pd-token', t); } catch (e) { /* private mode */ }
      history.replaceState(null, '', location.pathname);
      return t;
    }
    try { return sessionStorage.getItem('pd-token') || ''; } catch (e) { return ''; }
  }

  function rpc(calls) {
    var batch = calls.map(function (c) { return { jsonrpc: '2.0', id: nextId++, method: c[0], params: c[1] || {} }; });
    return fetch('rpc', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify(batch) })
      .then(function (r) {
        if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + ' ' + t.trim()); });
        return r.json();
      })
      .then(function (replies) {
        var byId = {};
        replies.forEach(function (r) { byId[r.id] = r; });
        return batch.map(function (b) {
          var r = byId[b.id];
          if (!r) throw new Error('no reply to ' + b.method);
          if (r.error) throw new Error(b.method + ': ' + r.error.message);
          return r.result;
        });
      });
  }

  function poll() {
    if (paused) return;
    rpc([['engine.status'], ['actor.tree'], ['metrics.snapshot', { actors: true, limit: 5000 }], ['deadletters.list', { limit: 50 }], ['actor.terminated', { limit: 50 }]])
      .then(function (r) {
        prev = last;
        last = { at: Date.now(), status: r[0], tree: r[1].roots, snap: r[2], dead: r[3], exits: r[4].terminated };
        computeRates();
        render();
        setConn(true, 'live');
      })
      .catch(function (e) { setConn(false, e.message); });
  }

  function computeRates() {
    rates = {};
    var before = {};
    if (prev) prev.snap.actors.forEach(function (a) { before[a.addr] = a.handled; });
    var dt = prev ? Math.max(0.001, (last.at - prev.at) / 1000) : 1;
    last.snap.actors.forEach(function (a) { rates[a.path] = before[a.addr] === undefined ? 0 : Math.max(0, (a.handled - before[a.addr]) / dt); });
    var s = last.snap.stats, ps = prev ? prev.snap.stats : null;
    var restartsNow = totalRestarts(last), restartsBefore = prev ? totalRestarts(prev) : restartsNow;
    push(hist.rate, ps ? Math.max(0, (s.messagesHandled - ps.messagesHandled) / dt) : 0);
    push(hist.restarts, Math.max(0, (restartsNow - restartsBefore) / dt));
    push(hist.dead, ps ? Math.max(0, (s.deadLetters - ps.deadLetters) / dt) : 0);
  }

  function totalRestarts(sample) {
    return sample.snap.actors.reduce(function (n, a) { return n + a.restarts; }, 0);
  }

  function push(list, v) {
    list.push(v);
    if (list.length > HISTORY) list.shift();
  }

  function render() {
    var st = last.status, s = last.snap.stats;
    $('engine').textContent = st.id + ' (' + st.status + ', pid ' + st.pid + ', up ' + duration(st.uptimeMs) + ')';
    $('summary').textContent = s.live + ' actors · ' + fmt(hist.rate[hist.rate.length - 1]) + ' msg/s · ' + s.deadLetters + ' dead letters · ' + s.crashed + ' crashes';
    renderTree();
    renderTop();
    renderExits();
    renderDead();
    renderCores();
    renderDetails();
    chart($('chart-rate'), [hist.rate], ['#1f6feb']);
    chart($('chart-restarts'), [hist.restarts, hist.dead], ['#c43d2b', '#b07d00']);
  }

  function byPath() {
    var m = {};
    last.snap.actors.forEach(function (a) { m[a.path] = a; });
    return m;
  }

  function renderTree() {
    var info = byPath();
    var ul = $('tree');
    ul.textContent = '';
    last.tree.forEach(function (n) { ul.appendChild(treeNode(n, info)); });
  }

  function treeNode(n, info) {
    var li = document.createElement('li');
    li.dataset.path = n.path;
    var span = document.createElement('span');
    var a = info[n.path];
    span.appendChild(text(n.path.split('/').pop() + ' '));
    span.appendChild(el('span', 'kind', n.kind));
    span.appendChild(el('span', 'status-' + n.status, ' ' + n.status));
    if (a && a.restarts > 0) {
      var b = el('span', 'badge restarts', a.restarts + (a.restarts === 1 ? ' restart' : ' restarts'));
      span.appendChild(b);
    }
    if (a && a.depth > 0) span.appendChild(el('span', 'badge depth', a.depth + ' queued'));
    span.onclick = function () { select(n.path); };
    li.appendChild(span);
    if (n.children && n.children.length > 0) {
      var ul = document.createElement('ul');
      n.children.forEach(function (c) { ul.appendChild(treeNode(c, info)); });
      li.appendChild(ul);
    }
    return li;
  }

  function renderTop() {
    var rows = last.snap.actors.map(function (a) {
      return { path: a.path, kind: a.kind, status: a.status, depth: a.depth, rate: rates[a.path] || 0, handled: a.handled, restarts: a.restarts };
    });
    rows.sort(function (x, y) {
      var a = x[sortKey], b = y[sortKey];
      var c = a < b ? -1 : a > b ? 1 : 0;
      if (c === 0) c = x.path < y.path ? -1 : 1;
      return sortAsc ? c : -c;
    });
    var body = document.querySelector('#top tbody');
    body.textContent = '';
    rows.slice(0, 500).forEach(function (r) {
      var tr = document.createElement('tr');
      tr.dataset.path = r.path;
      var p = el('td', 'path', r.path);
      p.onclick = function () { select(r.path); };
      tr.appendChild(p);
      tr.appendChild(el('td', 'kind', r.kind));
      tr.appendChild(el('td', 'status-' + r.status, r.status));
      tr.appendChild(el('td', 'num depth', String(r.depth)));
      tr.appendChild(el('td', 'num rate', fmt(r.rate)));
      tr.appendChild(el('td', 'num handled', String(r.handled)));
      tr.appendChild(el('td', 'num restarts', String(r.restarts)));
      var td = document.createElement('td');
      var stop = el('button', 'stop', 'stop');
      stop.type = 'button';
      stop.dataset.path = r.path;
      stop.onclick = function () { act('actor.stop', r.path); };
      td.appendChild(stop);
      tr.appendChild(td);
      body.appendChild(tr);
    });
    document.querySelectorAll('#top th[data-sort]').forEach(function (th) {
      th.className = th.dataset.sort === sortKey ? 'sorted' + (sortAsc ? ' asc' : '') : '';
    });
  }

  function renderExits() {
    var body = document.querySelector('#exits tbody');
    body.textContent = '';
    last.exits.slice().reverse().forEach(function (t) {
      var tr = document.createElement('tr');
      tr.appendChild(el('td', '', time(t.exitedAt)));
      tr.appendChild(el('td', 'path', t.path));
      tr.appendChild(el('td', 'kind', t.kind));
      tr.appendChild(el('td', '', t.reason.text));
      body.appendChild(tr);
    });
  }

  function renderDead() {
    var d = last.dead;
    $('dead-summary').textContent = d.total + ' dead letters: ' + Object.keys(d.byReason).filter(function (k) { return d.byReason[k] > 0; }).map(function (k) { return k + ' ' + d.byReason[k]; }).join(', ');
    var body = document.querySelector('#dead tbody');
    body.textContent = '';
    d.recent.slice().reverse().forEach(function (x) {
      var tr = document.createElement('tr');
      tr.appendChild(el('td', '', time(x.at)));
      tr.appendChild(el('td', 'path', x.to));
      tr.appendChild(el('td', '', x.reason));
      tr.appendChild(el('td', '', short(JSON.stringify(x.message))));
      body.appendChild(tr);
    });
  }

  function renderCores() {
    var cores = {};
    last.snap.actors.forEach(function (a) {
      var core = Number(String(a.addr).replace(/[<>]/g, '').split('.')[1] || 0);
      var c = cores[core] || (cores[core] = { actors: 0, depth: 0, rate: 0, restarts: 0 });
      c.actors++; c.depth += a.depth; c.rate += rates[a.path] || 0; c.restarts += a.restarts;
    });
    var body = document.querySelector('#cores tbody');
    body.textContent = '';
    Object.keys(cores).sort(function (a, b) { return a - b; }).forEach(function (k) {
      var c = cores[k], tr = document.createElement('tr');
      tr.dataset.core = k;
      [k, c.actors, c.depth, fmt(c.rate), c.restarts].forEach(function (v, i) { tr.appendChild(el('td', i === 0 ? '' : 'num', String(v))); });
      body.appendChild(tr);
    });
  }

  function select(path) {
    selected = path;
    $('details').classList.remove('hidden');
    renderDetails();
  }

  function renderDetails() {
    if (selected === null) return;
    $('details-path').textContent = selected;
    var a = byPath()[selected];
    var dl = $('details-info');
    dl.textContent = '';
    var fields = a ? [['address', a.addr], ['kind', a.kind], ['status', a.status], ['mailbox', a.depth + (a.capacity === null ? '' : ' / ' + a.capacity)], ['msg/s', fmt(rates[selected] || 0)], ['handled', a.handled], ['restarts', a.restarts]] : [['status', 'not alive']];
    fields.forEach(function (f) { dl.appendChild(el('dt', '', f[0])); dl.appendChild(el('dd', '', String(f[1]))); });
    var ul = $('details-exits');
    ul.textContent = '';
    last.exits.filter(function (t) { return t.path === selected; }).slice(-10).reverse().forEach(function (t) {
      ul.appendChild(el('li', '', time(t.exitedAt) + ' ' + t.reason.text));
    });
  }

  function act(method, path) {
    message(method.replace('actor.', '') + ' ' + path + '…');
    rpc([[method, { target: path }]]).then(function (r) {
      message(method.replace('actor.', '') + ' ' + path + ': ' + JSON.stringify(r[0]));
      poll();
    }, function (e) { message(e.message); });
  }

  function chart(canvas, series, colors) {
    var ctx = canvas.getContext('2d'), w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    var max = 1;
    series.forEach(function (s) { s.forEach(function (v) { if (v > max) max = v; }); });
    ctx.strokeStyle = '#e2e1dc';
    ctx.beginPath(); ctx.moveTo(0, h - 0.5); ctx.lineTo(w, h - 0.5); ctx.stroke();
    series.forEach(function (s, i) {
      ctx.strokeStyle = colors[i];
      ctx.beginPath();
      s.forEach(function (v, j) {
        var x = w - (s.length - 1 - j) * (w / (HISTORY - 1)), y = h - 2 - (v / max) * (h - 14);
        if (j === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    });
    ctx.fillStyle = '#6b6b66';
    ctx.fillText('max ' + fmt(max), 4, 10);
  }

  function setConn(ok, why) {
    var c = $('conn');
    c.textContent = ok ? 'live' : 'disconnected: ' + why;
    c.className = ok ? 'conn' : 'conn bad';
  }
  function message(t) { $('message').textContent = t; }
  function el(tag, cls, t) { var e = document.createElement(tag); if (cls) e.className = cls; if (t !== undefined) e.textContent = t; return e; }
  function text(t) { return document.createTextNode(t); }
  function fmt(v) { return v >= 100 ? String(Math.round(v)) : (Math.round(v * 10) / 10).toString(); }
  function short(t) { t = String(t); return t.length > 120 ? t.slice(0, 120) + '…' : t; }
  function time(ms) { return new Date(ms).toLocaleTimeString(); }
  function duration(ms) { var s = Math.floor(ms / 1000); return s < 60 ? s + 's' : s < 3600 ? Math.floor(s / 60) + 'm' + (s % 60) + 's' : Math.floor(s / 3600) + 'h' + Math.floor((s % 3600) / 60) + 'm'; }

  document.querySelectorAll('#tabs button').forEach(function (b) {
    b.onclick = function () {
      document.querySelectorAll('#tabs button').forEach(function (x) { x.classList.toggle('active', x === b); });
      document.querySelectorAll('.tab').forEach(function (t) { t.classList.toggle('hidden', t.id !== 'tab-' + b.dataset.tab); });
    };
  });
  document.querySelectorAll('#top th[data-sort]').forEach(function (th) {
    th.onclick = function () {
      if (sortKey === th.dataset.sort) sortAsc = !sortAsc; else { sortKey = th.dataset.sort; sortAsc = sortKey === 'path' || sortKey === 'kind'; }
      if (last) renderTop();
    };
  });
  $('pause').onclick = function () { paused = !paused; this.textContent = paused ? 'resume' : 'pause'; if (!paused) poll(); };
  $('details-close').onclick = function () { selected = null; $('details').classList.add('hidden'); };
  $('details-stop').onclick = function () { if (selected) act('actor.stop', selected); };
  $('details-kill').onclick = function () { if (selected) act('actor.kill', selected); };
  $('details-restart').onclick = function () { if (selected) act('actor.restart', selected); };
  if (!token) setConn(false, 'no token: open the URL printed by "pd observer"');
  poll();
  setInterval(poll, POLL_MS);
})();
`;
