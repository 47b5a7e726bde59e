// The nodeark web console (docs/console.md). No framework and no build step: this file is served as is.
// State arrives as Server-Sent Events from api/events (read with fetch, because EventSource cannot send the
// Authorization header a token-protected base needs); actions are POSTed to api/arklet/<command>, which
// relays them to the base's Arklet API, and the Arklet's answer is shown verbatim.
'use strict';

(() => {
  const TOKEN_KEY = 'nodeark.console.token';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const CHART_W = 120;
  const CHART_H = 28;
  const RECONNECT_MS = 2000;
  const MIN_SPAN_MS = 30000;

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY) || '';
  let streamAbort;
  let busy = false;
  /** identity → the row's persistent elements (kept across updates so focus and open details survive). */
  const rows = new Map();

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const authHeaders = (extra) => (token ? { ...extra, authorization: `Bearer ${token}` } : { ...extra });

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  function setConnection(text, live) {
    const c = $('connection');
    if (c.textContent !== text) c.textContent = text;
    c.classList.toggle('live', Boolean(live));
  }

  /* ------------------------------------------------------------------------------ formatting */

  const fmtRate = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const fmtMs = (s) => (s === null || s === undefined ? '—' : `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`);
  const fmtMiB = (b) => (b === null || b === undefined ? '—' : `${(b / 1048576).toFixed(1)} MiB`);
  const fmtCpu = (s) => (s === null || s === undefined ? '—' : `${s.toFixed(2)} s`);
  const fmtTime = (t) => new Date(t).toLocaleTimeString([], { hour12: false });

  /* ---------------------------------------------------------------------------------- charts */

  function chart(label) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${CHART_W} ${CHART_H}`);
    svg.setAttribute('width', String(CHART_W));
    svg.setAttribute('height', String(CHART_H));
    svg.setAttribute('role', 'img');
    svg.setAttribute('class', 'spark');
    const area = document.createElementNS(SVG_NS, 'path');
    area.setAttribute('class', 'spark-area');
    const line = document.createElementNS(SVG_NS, 'path');
    line.setAttribute('class', 'spark-line');
    svg.append(area, line);
    const value = el('span', { class: 'spark-value' });
    const wrap = el('div', { class: 'spark-wrap' }, svg, value);
    return { wrap, svg, area, line, value, label };
  }

  /**
   * Draws `points` ({t, v}, v null = gap) up to `now`, scaled to the largest value. The time axis spans the
   * history there is, at least 30 s and at most the window, so a fresh base does not show a sliver.
   */
  function drawChart(c, points, now, windowMs, text, floor) {
    const max = Math.max(floor, ...points.map((p) => (p.v === null ? 0 : p.v)));
    const first = points.length > 0 ? points[0].t : now;
    const span = Math.min(windowMs, Math.max(MIN_SPAN_MS, now - first));
    const x = (t) => (CHART_W * (t - (now - span))) / span;
    const y = (v) => CHART_H - 1 - ((CHART_H - 3) * v) / max;
    let d = '';
    let a = '';
    let open = false;
    let firstX = 0;
    let lastX = 0;
    for (const p of points) {
      if (p.v === null || p.t < now - span) {
        if (open) a += `L${lastX.toFixed(1)},${CHART_H}L${firstX.toFixed(1)},${CHART_H}Z`;
        open = false;
        continue;
      }
      const px = x(p.t).toFixed(1);
      const py = y(p.v).toFixed(1);
      if (!open) {
        firstX = Number(px);
        d += `M${px},${py}`;
        a += `M${px},${py}`;
        open = true;
      } else {
        d += `L${px},${py}`;
        a += `L${px},${py}`;
      }
      lastX = Number(px);
    }
    if (open) a += `L${lastX.toFixed(1)},${CHART_H}L${firstX.toFixed(1)},${CHART_H}Z`;
    c.line.setAttribute('d', d);
    c.area.setAttribute('d', a);
    c.value.textContent = text;
    c.svg.setAttribute('aria-label', `${c.label} over the last ${Math.max(1, Math.round(span / 60000))} min; now ${text}`);
  }

  /* ------------------------------------------------------------------------------ the table */

  function createRow(m) {
    const tr = el('tr', { 'data-identity': m.identity });
    const name = el('th', { scope: 'row', class: 'name', text: m.bizName });
    const version = el('td', { class: 'version', text: m.bizVersion });
    const state = el('td', { class: 'state' });
    const path = el('td', { class: 'path' });
    const healthSummary = el('summary');
    const healthList = el('dl', { class: 'indicators' });
    const healthDetails = el('details', {}, healthSummary, healthList);
    const health = el('td', { class: 'health' }, healthDetails);
    const cpu = el('td', { class: 'num cpu' });
    const rate = chart(`Requests per second of ${m.identity}`);
    const p99 = chart(`p99 latency of ${m.identity}`);
    const heap = chart(`Heap used by ${m.identity}`);
    const switchBtn = el('button', { type: 'button', class: 'switch', text: 'Switch to this version', 'aria-label': `Switch ${m.bizName} to version ${m.bizVersion}` });
    const uninstallBtn = el('button', { type: 'button', class: 'uninstall danger', text: 'Uninstall', 'aria-label': `Uninstall ${m.bizName} ${m.bizVersion}` });
    switchBtn.addEventListener('click', () =>
      act('switchBiz', { bizName: m.bizName, bizVersion: m.bizVersion }),
    );
    uninstallBtn.addEventListener('click', () => confirmUninstall(m.bizName, m.bizVersion));
    const actions = el('td', {}, el('div', { class: 'row-actions' }, switchBtn, uninstallBtn));
    tr.append(name, version, state, path, health, cpu,
      el('td', {}, rate.wrap), el('td', {}, p99.wrap), el('td', {}, heap.wrap), actions);
    return { tr, state, path, healthSummary, healthList, healthDetails, cpu, rate, p99, heap, switchBtn };
  }

  function updateRow(r, m, base) {
    if (r.state.textContent !== m.state) {
      r.state.textContent = m.state;
      r.state.className = `state state-${m.state}`;
    }
    // Only the activated version is served at the path: the others show it without a link.
    const href = `/${m.webContextPath}/`;
    const key = `${href}|${m.state === 'activated'}`;
    if (r.path.dataset.key !== key) {
      r.path.dataset.key = key;
      r.path.replaceChildren(m.state === 'activated' ? el('a', { href, text: href }) : el('span', { text: href }));
    }

    const h = m.health;
    const status = h ? h.status : '—';
    r.healthSummary.textContent = status;
    r.healthSummary.className = `health-${String(status).toLowerCase()}`;
    const items = [];
    for (const [id, ind] of Object.entries(h ? h.components || {} : {})) {
      const details = ind && ind.details ? ` ${JSON.stringify(ind.details)}` : '';
      items.push(el('dt', { text: id }), el('dd', { text: `${ind && ind.status}${details}` }));
    }
    if (items.length === 0) items.push(el('dd', { class: 'muted', text: h ? 'no indicators' : 'no live worker' }));
    r.healthList.replaceChildren(...items);

    r.cpu.textContent = fmtCpu(m.cpuSeconds);
    const hist = m.history || [];
    const last = hist[hist.length - 1];
    drawChart(r.rate, hist.map((p) => ({ t: p.t, v: p.rate })), base.time, base.windowMs, `${fmtRate(last ? last.rate : 0)}/s`, 1);
    drawChart(r.p99, hist.map((p) => ({ t: p.t, v: p.p99 })), base.time, base.windowMs, fmtMs(last ? last.p99 : null), 0.005);
    drawChart(r.heap, hist.map((p) => ({ t: p.t, v: p.heap })), base.time, base.windowMs, fmtMiB(last ? last.heap : null), 1048576);
    r.switchBtn.hidden = m.state === 'activated';
    r.switchBtn.disabled = busy || m.state !== 'deactivated';
  }

  function render(s) {
    $('base-name').textContent = `${s.base.name} ${s.base.version}`;
    $('window-minutes').textContent = String(Math.round(s.base.windowMs / 60000));
    $('interval-seconds').textContent = String(Math.round(s.base.intervalMs / 1000));
    const tbody = $('module-rows');
    const seen = new Set();
    for (const m of s.modules) {
      seen.add(m.identity);
      let r = rows.get(m.identity);
      if (!r) {
        r = createRow(m);
        rows.set(m.identity, r);
      }
      updateRow(r, m, s.base);
      tbody.append(r.tr); // keeps the server's order; moving a node keeps its focus state
    }
    for (const [id, r] of rows) {
      if (!seen.has(id)) {
        const hadFocus = r.tr.contains(document.activeElement);
        r.tr.remove();
        rows.delete(id);
        if (hadFocus) $('modules-heading').focus();
      }
    }
    $('no-modules').hidden = s.modules.length > 0;
    $('transitions').replaceChildren(
      ...s.transitions.map((t) =>
        el('li', {},
          el('time', { datetime: new Date(t.time).toISOString(), text: fmtTime(t.time) }),
          ` ${t.identity}: ${t.from ?? '—'} → ${t.to} (${t.reason})${t.message ? ` ${t.message}` : ''}`),
      ),
    );
    $('operations').replaceChildren(
      ...s.operations.map((o) =>
        el('li', {},
          el('time', { datetime: new Date(o.time).toISOString(), text: fmtTime(o.time) }),
          ` ${o.operation} ${o.target} → `,
          el('strong', { text: o.outcome }),
          o.message ? ` ${o.message}` : ''),
      ),
    );
  }

  /* --------------------------------------------------------------------------------- events */

  function onFrame(frame) {
    let event = 'message';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += `${line.slice(line.startsWith('data: ') ? 6 : 5)}\n`;
    }
    if (event === 'state' && data) render(JSON.parse(data));
  }

  async function stream() {
    streamAbort?.abort();
    const abort = new AbortController();
    streamAbort = abort;
    while (!abort.signal.aborted) {
      try {
        const res = await fetch('api/events', {
          headers: authHeaders({ accept: 'text/event-stream' }),
          cache: 'no-store',
          signal: abort.signal,
        });
        if (res.status === 401) {
          askToken(token ? 'The token was not accepted.' : '');
          return;
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
        setConnection('Live', true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            onFrame(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
        setConnection('Disconnected; reconnecting…');
      } catch (err) {
        if (abort.signal.aborted) return;
        setConnection(`Disconnected (${err.message}); reconnecting…`);
      }
      await sleep(RECONNECT_MS);
    }
  }

  function askToken(note) {
    setConnection(note ? `${note} Enter the Arklet token.` : 'This base requires the Arklet token.');
    $('token-section').hidden = false;
    $('token-input').focus();
  }

  /* -------------------------------------------------------------------------------- actions */

  function setBusy(b) {
    busy = b;
    $('install-button').disabled = b;
    for (const r of rows.values()) {
      r.tr.querySelectorAll('button').forEach((btn) => {
        btn.disabled = b || (btn === r.switchBtn && r.state.textContent !== 'deactivated');
      });
    }
  }

  /** Sends one Arklet command through the console and shows the Arklet's answer as received. */
  async function act(command, input) {
    if (busy) return;
    setBusy(true);
    $('answer-summary').textContent = `${command}: waiting for the Arklet…`;
    $('answer').textContent = '';
    try {
      const res = await fetch(`api/arklet/${command}`, {
        method: 'POST',
        headers: authHeaders({ 'content-type': 'application/json' }),
        body: JSON.stringify(input),
      });
      const text = await res.text();
      let summary = `HTTP ${res.status}`;
      try {
        const env = JSON.parse(text);
        if (env && typeof env.code === 'string') {
          const msg = env.message || (env.data && env.data.message) || '';
          summary = `${env.code}${msg ? `: ${msg}` : ''}`;
        }
      } catch {
        // not JSON: the status says it
      }
      $('answer').textContent = text;
      $('answer').dataset.status = String(res.status);
      $('answer-summary').textContent = `${command} → ${summary}`;
      if (res.status === 401) askToken('The token was not accepted.');
    } catch (err) {
      $('answer-summary').textContent = `${command} could not be sent: ${err.message}`;
    } finally {
      setBusy(false);
    }
  }

  function confirmUninstall(bizName, bizVersion) {
    const dialog = $('confirm');
    $('confirm-title').textContent = `Uninstall ${bizName} ${bizVersion}?`;
    $('confirm-text').textContent =
      `The module version stops (in-flight requests drain first), leaves its path and its files are removed. ` +
      `This cannot be undone; installing it again needs its bizUrl.`;
    dialog.returnValue = '';
    dialog.showModal();
    $('confirm-cancel').focus();
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue === 'confirm') void act('uninstallBiz', { bizName, bizVersion });
      },
      { once: true },
    );
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('confirm-ok').addEventListener('click', (e) => {
      e.preventDefault();
      $('confirm').close('confirm');
    });
    $('confirm-cancel').addEventListener('click', (e) => {
      e.preventDefault();
      $('confirm').close('cancel');
    });
    $('install-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const bizUrl = $('biz-url').value.trim();
      if (bizUrl) void act('installBiz', { bizUrl });
    });
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      token = $('token-input').value.trim();
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token-input').value = '';
      $('token-section').hidden = true;
      setConnection('Connecting…');
      void stream();
    });
    void stream();
  });
})();
