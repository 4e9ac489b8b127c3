/* optdesk dashboard: signs in with a reporter's API key and secret (kept in this tab's
 * sessionStorage only), signs every REST request with HMAC-SHA256 (WebCrypto) as
 * docs/API.md "Authentication" says, logs in on the WebSocket and follows each covered
 * vault's auction.{vault_id} channel live; the other panels are re-read every few seconds.
 * Everything shown is set with textContent: nothing from the server becomes markup. */
(function () {
  'use strict';

  const STORE = 'optdesk.dashboard.creds';
  const REFRESH_MS = 5000;
  const RECENT = 20;
  const WINDOW_MS = 35 * 86400000; /* business time the recent lists look back at first */
  const enc = new TextEncoder();
  const $ = (id) => document.getElementById(id);
  const meta = (name) => {
    const m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') : '';
  };

  let session = null; /* {apiKey, key (CryptoKey), account, roles} */
  let generation = 0; /* bumps on sign-out: late answers of an old session are dropped */
  let ws = null;
  let wsRetry = 0;
  let wsTimer = null;
  let refreshTimer = null;
  let refreshing = false;
  let rpcId = 0;
  const pending = new Map(); /* JSON-RPC id -> handler */
  let vaults = []; /* GET /v1/vaults */
  const auctions = new Map(); /* vault id -> {state, seq, live} */
  let subscribed = new Set();
  let navVault = '';
  let businessNow = null; /* GET /v1/time at the last refresh */
  const fills = newRecent();
  const refusals = newRecent();

  /* ---- signing ---- */

  function hex(buf) {
    return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function importKey(secret) {
    return crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' },
      false, ['sign']);
  }

  async function signature(key, text) {
    return hex(await crypto.subtle.sign('HMAC', key, enc.encode(text)));
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || ('HTTP ' + status));
      this.status = status;
      this.code = code || '';
    }
  }

  /* A signed request of the signed-in account (or unsigned when sess is null). `path` is
   * sent exactly as given (its query already encoded) and is what the signature covers. */
  async function request(path, { method = 'GET', body = '', as = 'json', sess = session } = {}) {
    const headers = {};
    if (sess) {
      const ts = String(Date.now());
      headers['X-Api-Key'] = sess.apiKey;
      headers['X-Timestamp'] = ts;
      headers['X-Signature'] = await signature(sess.key, ts + method + path + body);
    }
    if (body) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body || undefined, cache: 'no-store',
      credentials: 'omit' });
    if (!r.ok && !(as === 'json-any')) {
      let code = '';
      let message = '';
      try {
        const e = (await r.json()).error || {};
        code = e.code;
        message = e.message;
      } catch (_) { /* not JSON */ }
      throw new ApiError(r.status, code, message);
    }
    if (as === 'blob') return r.blob();
    if (as === 'text') return r.text();
    return r.json();
  }

  function q(params) {
    const parts = [];
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') {
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
      }
    }
    return parts.length ? '?' + parts.join('&') : '';
  }

  /* ---- small DOM helpers ---- */

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }

  function td(value, cls) {
    const text = value === null || value === undefined ? '' : String(value);
    return el('td', cls ? { class: cls, text } : { text });
  }

  function fillBody(table, rows, ncols, empty) {
    const tbody = $(table).tBodies[0];
    tbody.replaceChildren();
    if (!rows.length) {
      tbody.append(el('tr', {}, el('td', { class: 'empty', colspan: String(ncols), text: empty })));
      return;
    }
    for (const r of rows) tbody.append(r);
  }

  function fmtTime(ms) {
    if (typeof ms !== 'number') return '';
    return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }

  function fmtAge(ms) {
    if (typeof ms !== 'number') return 'never';
    if (ms < 1000) return ms + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
    return Math.round(ms / 60000) + ' min';
  }

  function setStatus(text, state) {
    const s = $('status');
    s.textContent = text;
    s.dataset.state = state;
  }

  function setWsState(text, state) {
    const s = $('ws-state');
    s.textContent = text;
    s.dataset.state = state;
  }

  function compareIds(a, b) { /* decimal id strings beyond 2^53 */
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  }

  /* ---- sign-in ---- */

  async function signIn(apiKey, secret, remember) {
    const key = await importKey(secret);
    const sess = { apiKey, key, account: '', roles: [] };
    try { /* a report needs the reporter (or admin) role: proves key, secret and role */
      await request('/v1/reports/refusals?limit=1', { sess });
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) {
        throw new Error('this account has no reporter role');
      }
      if (e instanceof ApiError && e.status === 401) {
        throw new Error('sign-in refused: ' + (e.code || 'unauthorized'));
      }
      throw e;
    }
    if (remember) sessionStorage.setItem(STORE, JSON.stringify({ api_key: apiKey, secret }));
    session = sess;
    generation++;
    $('login').hidden = true;
    $('dashboard').hidden = false;
    $('signout').hidden = false;
    setStatus('signed in', 'signed-in');
    $('account').textContent = 'key ' + apiKey.slice(0, 8) + '…';
    await refresh();
    connectWs();
    refreshTimer = setInterval(refresh, REFRESH_MS);
  }

  function signOut(message) {
    generation++;
    session = null;
    sessionStorage.removeItem(STORE);
    clearInterval(refreshTimer);
    clearTimeout(wsTimer);
    refreshTimer = null;
    if (ws) {
      ws.onclose = null;
      ws.close();
      ws = null;
    }
    pending.clear();
    auctions.clear();
    subscribed = new Set();
    vaults = [];
    navVault = '';
    resetRecent(fills);
    resetRecent(refusals);
    $('vaults').replaceChildren();
    $('nav-vault').replaceChildren();
    $('dashboard').hidden = true;
    $('signout').hidden = true;
    $('login').hidden = false;
    $('account').textContent = '';
    $('api-secret').value = '';
    setStatus('signed out', 'signed-out');
    setWsState('offline', 'closed');
    $('login-error').textContent = message || '';
  }

  /* ---- WebSocket: public/login, then auction.{vault_id} ---- */

  function wsUrl() {
    const scheme = meta('optdesk-ws-scheme') || (location.protocol === 'https:' ? 'wss' : 'ws');
    const port = meta('optdesk-ws-port');
    return scheme + '://' + location.hostname + (port ? ':' + port : '') + '/ws';
  }

  function rpc(method, params) {
    return new Promise((resolve, reject) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        reject(new Error('websocket closed'));
        return;
      }
      const id = ++rpcId;
      pending.set(id, (m) => (m.error ? reject(Object.assign(new Error(m.error.message), {
        rpc: m.error })) : resolve(m.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  function connectWs() {
    if (!session) return;
    const gen = generation;
    const sess = session;
    setWsState('connecting', 'connecting');
    let sock;
    try {
      sock = new WebSocket(wsUrl());
    } catch (e) {
      scheduleWs(gen);
      return;
    }
    ws = sock;
    subscribed = new Set();
    sock.onopen = async () => {
      try {
        const ts = Date.now();
        const sig = await signature(sess.key, ts + 'GET/ws');
        const who = await rpc('public/login', { api_key: sess.apiKey, timestamp: ts, signature: sig });
        if (gen !== generation) return;
        sess.account = who.account;
        sess.roles = who.roles || [];
        $('account').textContent = who.account + ' (' + sess.roles.join(', ') + ')';
        if (!sess.roles.includes('reporter') && !sess.roles.includes('admin')) {
          signOut('this account has no reporter role');
          return;
        }
        wsRetry = 0;
        setWsState('live', 'open');
        await subscribeVaults();
      } catch (e) {
        if (gen !== generation) return;
        setWsState('login failed: ' + e.message, 'error');
        sock.close();
      }
    };
    sock.onmessage = (ev) => {
      if (gen !== generation) return;
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch (_) {
        return;
      }
      if (m.id !== undefined && pending.has(m.id)) {
        const h = pending.get(m.id);
        pending.delete(m.id);
        h(m);
      } else if (m.method === 'subscription' && m.params) {
        onNotification(m.params);
      }
    };
    sock.onclose = () => {
      if (ws === sock) ws = null;
      for (const h of pending.values()) h({ error: { message: 'websocket closed' } });
      pending.clear();
      if (gen !== generation) return;
      setWsState('offline, reconnecting', 'error');
      scheduleWs(gen);
    };
  }

  function scheduleWs(gen) {
    clearTimeout(wsTimer);
    const delay = Math.min(10000, 500 * Math.pow(2, wsRetry++));
    wsTimer = setTimeout(() => { if (gen === generation) connectWs(); }, delay);
  }

  async function subscribeVaults() {
    const want = vaults.filter((v) => v.kind === 'covered_put_spread')
      .map((v) => 'auction.' + v.id).filter((c) => !subscribed.has(c));
    if (!want.length || !ws || ws.readyState !== WebSocket.OPEN) return;
    for (const c of want) subscribed.add(c);
    const res = await rpc('subscribe', { channels: want });
    for (const [c, st] of Object.entries(res.status || {})) {
      if (st !== 'ok') {
        subscribed.delete(c);
        setWsState('subscribe ' + c + ': ' + st, 'error');
      }
    }
  }

  function onNotification(p) {
    const ch = String(p.channel || '');
    if (!ch.startsWith('auction.') || !Array.isArray(p.data) || !p.data.length) return;
    const id = ch.slice('auction.'.length);
    const a = auctions.get(id) || { state: null, seq: 0, live: 0 };
    a.state = p.data[p.data.length - 1];
    a.seq = p.seq;
    if (!p.snapshot) a.live++;
    auctions.set(id, a);
    renderAuction(id);
  }

  /* ---- vaults and auctions ---- */

  function vaultCard(v) {
    let card = document.querySelector('.vault[data-vault="' + CSS.escape(v.id) + '"]');
    if (card) return card;
    card = el('div', { class: 'vault', 'data-vault': v.id, id: 'vault-' + v.id },
      el('h3', {}, el('span', { text: v.id }), el('span', { class: 'stage', text: v.stage || '' }),
        el('span', { class: 'seq' })),
      el('div', { class: 'totals note' }),
      el('div', { class: 'progress' }, el('div')),
      el('div', { class: 'auction-text', 'data-live-updates': '0' }),
      el('div', { class: 'rfq-text note' }));
    $('vaults').append(card);
    return card;
  }

  function renderVaultTotals(v) {
    const card = vaultCard(v);
    const parts = ['total assets ' + v.totalAssets + ' ' + v.asset,
      'shares ' + v.totalSupply, 'price per share ' + v.pricePerShare];
    if (v.usdc_balance !== undefined) parts.push('USDC ' + v.usdc_balance);
    if (v.open_spreads !== undefined) parts.push('open spreads ' + v.open_spreads);
    if (v.paused) parts.push('PAUSED');
    card.querySelector('.totals').textContent = parts.join(' · ');
    if (!auctions.has(v.id)) card.querySelector('.stage').textContent = v.stage || '';
  }

  function renderAuction(id) {
    const v = vaults.find((x) => x.id === id) || { id };
    const card = vaultCard(v);
    const a = auctions.get(id);
    if (!a || !a.state) return;
    const s = a.state;
    card.querySelector('.stage').textContent = s.stage;
    card.querySelector('.seq').textContent = 'seq ' + a.seq + (a.live ? ' · ' + a.live + ' live updates' : '');
    const text = card.querySelector('.auction-text');
    const rfqText = card.querySelector('.rfq-text');
    const bar = card.querySelector('.progress > div');
    text.dataset.liveUpdates = String(a.live);
    text.dataset.seq = String(a.seq);
    const au = s.auction;
    if (!au) {
      text.textContent = 'no auction yet';
      rfqText.textContent = '';
      bar.style.width = '0';
      return;
    }
    const total = parseFloat(au.total);
    const sold = parseFloat(au.sold);
    const pct = total > 0 ? Math.min(100, (100 * sold) / total) : 0;
    bar.style.width = pct.toFixed(1) + '%';
    const what = au.kind === 'spot' ? 'spot ' + (au.side || '') : 'spread';
    const legs = (au.legs || []).map((l) => l.direction + ' ' + l.instrument_name).join(', ');
    let line = 'auction ' + au.auction_id + ' (' + what + ') ' + au.state + ': sold ' + au.sold +
      ' of ' + au.total + ' (' + pct.toFixed(1) + '%), remaining ' + au.remaining + ', lots ' +
      au.lots_filled;
    if (au.finish_reason) line += ', finished: ' + au.finish_reason;
    if (au.unfilled !== undefined && au.state === 'finished') line += ', unfilled ' + au.unfilled;
    text.textContent = line;
    let r = legs;
    if (au.rfq) {
      r += ' · RFQ ' + au.rfq.rfq_id + ' ' + au.rfq.status + ' (filled ' + au.rfq.filled_pct +
        '%, valid until ' + fmtTime(au.rfq.valid_until) + ')';
    }
    r += ' · hard stop ' + fmtTime(au.hard_stop_at_ms);
    rfqText.textContent = r;
  }

  async function loadVaults() {
    const r = await request('/v1/vaults');
    vaults = r.vaults || [];
    for (const v of vaults.filter((x) => x.kind === 'covered_put_spread')) renderVaultTotals(v);
    if (!vaults.some((x) => x.kind === 'covered_put_spread')) {
      $('vaults').replaceChildren(el('p', { class: 'note', text: 'no covered put spread vault' }));
    }
    const sel = $('nav-vault');
    const ids = vaults.map((v) => v.id);
    if (Array.from(sel.options).map((o) => o.value).join() !== ids.join()) {
      sel.replaceChildren(...vaults.map((v) => el('option', { value: v.id, text: v.id + ' (' + v.kind + ')' })));
    }
    if (!navVault || !ids.includes(navVault)) {
      const first = vaults.find((v) => v.kind === 'covered_put_spread') || vaults[0];
      navVault = first ? first.id : '';
    }
    sel.value = navVault;
    if (ws && ws.readyState === WebSocket.OPEN && session && session.account) {
      subscribeVaults().catch(() => {});
    }
  }

  /* ---- paged reports ---- */

  /* Follows next_cursor from `from` on; at most `pages` pages of 1000. */
  async function reportRows(report, params, pages = 10) {
    const rows = [];
    let cursor = '';
    for (let i = 0; i < pages; i++) {
      const r = await request('/v1/reports/' + report + q(Object.assign({}, params, { limit: 1000, cursor })));
      rows.push(...(r.items || []));
      if (!r.next_cursor) break;
      cursor = r.next_cursor;
    }
    return rows;
  }

  function newRecent() {
    return { rows: new Map(), from: null };
  }

  function resetRecent(r) {
    r.rows.clear();
    r.from = null;
  }

  /* The newest RECENT rows (business_ms, then id): read once from a window back, then only
   * from the newest time seen (rows at that time again, deduplicated by id). */
  async function updateRecent(r, report, now) {
    const from = r.from === null ? Math.max(0, now - WINDOW_MS) : r.from;
    const rows = await reportRows(report, { from });
    for (const row of rows) r.rows.set(row.id, row);
    const all = Array.from(r.rows.values()).sort((a, b) =>
      (a.business_ms - b.business_ms) || compareIds(a.id, b.id));
    const keep = all.slice(-RECENT);
    r.rows = new Map(keep.map((x) => [x.id, x]));
    if (keep.length) r.from = keep[keep.length - 1].business_ms;
    else if (r.from === null) r.from = from;
    return keep.reverse();
  }

  async function loadFills(now) {
    const rows = await updateRecent(fills, 'fills', now);
    fillBody('fills', rows.map((f) => el('tr', { 'data-id': f.id },
      td(f.id), td(fmtTime(f.business_ms)), td(f.vault),
      td(f.kind === 'spot' ? 'spot ' + (f.side || '') : f.kind), td(f.maker),
      td(f.amount, 'num'), td(f.kind === 'spot' ? f.price : f.credit, 'num'),
      td(f.kind === 'spot' ? f.notional : f.premium, 'num'), td(f.mark, 'num'))),
    9, 'no fills yet');
    $('fills').dataset.rows = String(rows.length);
  }

  async function loadRefusals(now) {
    const rows = await updateRecent(refusals, 'refusals', now);
    fillBody('refusals', rows.map((f) => el('tr', { 'data-id': f.id },
      td(f.id), td(fmtTime(f.business_ms)), td(f.vault), td(f.maker), td(f.reason),
      td(typeof f.details === 'string' ? f.details : JSON.stringify(f.details), 'wrap'))),
    6, 'no refusals');
  }

  /* ---- depots ---- */

  async function loadDepots(now) {
    const depots = vaults.filter((v) => v.kind === 'depot');
    const cards = [];
    for (const d of depots) {
      const v = await request('/v1/vaults/' + encodeURIComponent(d.id));
      const b = v.book || {};
      const dl = el('dl');
      const add = (k, val) => {
        if (val !== undefined && val !== null) dl.append(el('dt', { text: k }), el('dd', { text: String(val) }));
      };
      add('total assets', v.totalAssets + ' ' + v.asset);
      add('price per share', v.pricePerShare);
      add('NAV', b.nav);
      add('locked collateral', b.lockedCollateral);
      add('locked spread', b.lockedSpread);
      add('available', b.available);
      add('open positions', b.openPositions);
      cards.push(el('div', { class: 'card', 'data-depot': d.id }, el('h3', { text: d.id }), dl));
    }
    $('depot-summary').replaceChildren(...cards);
    const rows = await reportRows('maturities', { from: Math.max(0, now - WINDOW_MS) }, 5);
    rows.sort((a, b) => (a.depot < b.depot ? -1 : a.depot > b.depot ? 1 : a.maturity_ms - b.maturity_ms));
    fillBody('maturities', rows.map((m) => el('tr', {},
      td(m.depot), td(m.expiry), td(m.status), td(m.positions + ' (' + m.open_positions + ')'),
      td(m.size, 'num'), td(m.collateral + ' ' + m.asset, 'num'), td(m.premium, 'num'),
      td(m.spread, 'num'), td(m.payoff, 'num'), td(m.settlement_price, 'num'))),
    10, depots.length ? 'no maturities booked' : 'no depot configured');
  }

  /* ---- oracles ---- */

  async function loadOracles() {
    const ready = await request('/readyz', { sess: null, as: 'json-any' });
    const checks = ready.checks || {};
    const unders = Object.keys(checks).filter((k) => k.startsWith('oracle_')).map((k) => k.slice(7));
    $('readiness').textContent = 'readiness: ' + ready.status + ' (' +
      Object.entries(checks).map(([k, v]) => k + ' ' + v).join(', ') + ')';
    const rows = [];
    for (const u of unders) {
      try {
        const s = await request('/v1/oracles/spot' + q({ underlying: u }));
        rows.push(el('tr', { 'data-underlying': u }, td(u), td(s.price, 'num'),
          td(fmtAge(s.age_ms), 'num'), td(fmtAge(s.max_age_ms), 'num'),
          td(s.stale ? 'stale' : 'fresh', s.stale ? 'stale' : 'fresh')));
      } catch (e) {
        rows.push(el('tr', { 'data-underlying': u }, td(u), td(''), td(''), td(''),
          td(e.code || e.message, 'stale')));
      }
    }
    fillBody('oracles', rows, 5, 'no oracle in use');
  }

  /* ---- NAV chart ---- */

  async function loadNav(now) {
    const canvas = $('nav-chart');
    if (!navVault) {
      drawChart(canvas, [], now);
      return;
    }
    const rows = await reportRows('nav', { vault: navVault }, 5);
    const pts = rows.map((r) => [r.business_ms, parseFloat(r.price_per_share)])
      .filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    drawChart(canvas, pts, now);
    const last = rows[rows.length - 1];
    $('nav-note').textContent = last
      ? navVault + ': ' + rows.length + ' points; last ' + last.price_per_share + ' ' + last.asset +
        ' per share at ' + fmtTime(last.business_ms) + ' (' + last.event + ')'
      : navVault + ': no NAV history yet';
  }

  function niceLabel(v, step) { /* enough decimals to tell the grid lines apart */
    const a = Math.abs(v);
    if (a >= 1e9) return v.toExponential(3);
    const digits = Math.min(10, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
    return v.toFixed(digits);
  }

  /* Price per share over business time: a step line (the price holds until the next row),
   * carried on dashed to `now`, the business time of this refresh. */
  function drawChart(canvas, pts, now) {
    const ctx = canvas.getContext('2d');
    const W = canvas.width;
    const H = canvas.height;
    const L = 70;
    const R = 12;
    const T = 12;
    const B = 34;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    canvas.dataset.points = String(pts.length);
    ctx.strokeStyle = '#d9dee7';
    ctx.lineWidth = 1;
    ctx.strokeRect(L + 0.5, T + 0.5, W - L - R, H - T - B);
    ctx.fillStyle = '#667085';
    ctx.font = '11px sans-serif';
    if (!pts.length) {
      ctx.fillText('no NAV history yet', L + 10, T + 20);
      return;
    }
    let x0 = pts[0][0];
    const xl = pts[pts.length - 1][0];
    let x1 = typeof now === 'number' && now > xl ? now : xl;
    let y0 = Math.min(...pts.map((p) => p[1]));
    let y1 = Math.max(...pts.map((p) => p[1]));
    if (x1 === x0) { x0 -= 3600000; x1 += 3600000; }
    if (y1 === y0) {
      const pad = Math.abs(y0) * 0.01 || 0.01;
      y0 -= pad;
      y1 += pad;
    } else {
      const pad = (y1 - y0) * 0.08;
      y0 -= pad;
      y1 += pad;
    }
    const X = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
    const Y = (y) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
    /* grid and labels */
    ctx.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const y = y0 + ((y1 - y0) * i) / 4;
      const py = Math.round(Y(y)) + 0.5;
      ctx.strokeStyle = '#eef1f5';
      ctx.beginPath();
      ctx.moveTo(L, py);
      ctx.lineTo(W - R, py);
      ctx.stroke();
      ctx.fillText(niceLabel(y, (y1 - y0) / 4), L - 6, py + 4);
    }
    ctx.textAlign = 'left';
    ctx.fillText(fmtTime(pts[0][0]).slice(0, 16), L, H - 12);
    ctx.textAlign = 'right';
    if (x1 > pts[0][0]) ctx.fillText(fmtTime(x1).slice(0, 16), W - R, H - 12);
    ctx.strokeStyle = '#1f6feb';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(X(pts[0][0]), Y(pts[0][1]));
    for (let i = 1; i < pts.length; i++) {
      ctx.lineTo(X(pts[i][0]), Y(pts[i - 1][1]));
      ctx.lineTo(X(pts[i][0]), Y(pts[i][1]));
    }
    ctx.stroke();
    const yl = Y(pts[pts.length - 1][1]);
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(X(xl), yl);
    ctx.lineTo(x1 > xl ? X(x1) : W - R, yl);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#1f6feb';
    for (const p of pts) {
      ctx.beginPath();
      ctx.arc(X(p[0]), Y(p[1]), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  /* ---- refresh ---- */

  async function refresh() {
    if (refreshing || !session) return;
    refreshing = true;
    const gen = generation;
    const problems = [];
    const step = async (name, fn) => {
      try {
        await fn();
      } catch (e) {
        problems.push(name + ': ' + (e.code || e.message));
        if (e instanceof ApiError && e.status === 401 && gen === generation) {
          setStatus('refused: ' + e.code, 'error');
        }
      }
    };
    try {
      let now = Date.now();
      await step('time', async () => { now = (await request('/v1/time', { sess: null })).time; });
      await step('vaults', loadVaults);
      if (gen !== generation) return;
      businessNow = now;
      await step('nav', () => loadNav(now));
      await step('fills', () => loadFills(now));
      await step('depots', () => loadDepots(now));
      await step('oracles', loadOracles);
      await step('refusals', () => loadRefusals(now));
      if (gen !== generation) return;
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString() + ' · business time ' +
        fmtTime(now) + (problems.length ? ' · ' + problems.join('; ') : '');
      if (!problems.length) setStatus('signed in', 'signed-in');
    } finally {
      refreshing = false;
    }
  }

  /* ---- CSV export ---- */

  async function downloadCsv() {
    const btn = $('fills-csv');
    btn.disabled = true;
    try {
      const blob = await request('/v1/reports/fills' + q({ format: 'csv', all: 1 }), { as: 'blob' });
      const url = URL.createObjectURL(new Blob([blob], { type: 'text/csv' }));
      const a = el('a', { href: url, download: 'fills.csv' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      $('updated').textContent = 'CSV export failed: ' + (e.code || e.message);
    } finally {
      btn.disabled = false;
    }
  }

  /* ---- wiring ---- */

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const apiKey = $('api-key').value.trim();
    const secret = $('api-secret').value.trim();
    $('login-error').textContent = '';
    $('signin').disabled = true;
    try {
      if (!window.crypto || !crypto.subtle) {
        throw new Error('this page needs a secure context (https, or http on localhost) for WebCrypto');
      }
      await signIn(apiKey, secret, true);
    } catch (e) {
      $('login-error').textContent = e.message;
      setStatus('signed out', 'signed-out');
    } finally {
      $('signin').disabled = false;
    }
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('fills-csv').addEventListener('click', downloadCsv);
  $('nav-vault').addEventListener('change', () => {
    navVault = $('nav-vault').value;
    loadNav(businessNow).catch(() => {});
  });

  const saved = sessionStorage.getItem(STORE);
  if (saved) {
    try {
      const c = JSON.parse(saved);
      signIn(c.api_key, c.secret, false).catch((e) => signOut(e.message));
    } catch (_) {
      sessionStorage.removeItem(STORE);
    }
  }
})();
