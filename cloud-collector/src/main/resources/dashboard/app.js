// Outpost dashboard: plain DOM, no libraries. Runs under a strict CSP (script-src/style-src 'self'):
// no inline scripts or styles, no eval, and data only ever reaches the page through textContent.
'use strict';

(function () {
  const API = '/api/v1';
  const TOKEN_KEY = 'outpost.token';
  const WHO_KEY = 'outpost.who';
  const REFRESH_MS = 5000;
  const HOUR_MS = 3600 * 1000;
  const SVG = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

  const state = {
    machine: null,   // uid of the selected machine
    sensor: null,    // id of the selected sensor
    value: null,     // value name shown in the chart
    timer: null,
    generation: 0,   // bumped on every refresh start and on logout; stale answers are dropped
    machineNames: new Map(),
  };

  // --- API ---------------------------------------------------------------------------------------

  class Unauthorized extends Error {}

  async function api(path, options = {}) {
    const headers = Object.assign({ Accept: 'application/json' }, options.headers);
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      headers.Authorization = 'Bearer ' + token;
    }
    const response = await fetch(API + path, Object.assign({}, options, { headers, cache: 'no-store' }));
    if (response.status === 401) {
      throw new Unauthorized();
    }
    if (!response.ok) {
      throw new Error(await errorText(response));
    }
    return response.status === 204 ? null : response.json();
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      if (body && typeof body.error === 'string') {
        return body.error;
      }
    } catch (e) {
      // not JSON; fall through
    }
    return 'the server answered ' + response.status;
  }

  // --- login and logout --------------------------------------------------------------------------

  async function login(event) {
    event.preventDefault();
    const error = $('login-error');
    const body = {
      organisation: $('organisation').value.trim(),
      user: $('user').value.trim(),
      password: $('password').value,
    };
    if (!body.organisation || !body.user || !body.password) {
      error.textContent = 'Enter organisation, user and password.';
      return;
    }
    error.textContent = '';
    $('login-submit').disabled = true;
    try {
      const response = await fetch(API + '/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        cache: 'no-store',
      });
      if (response.status === 200) {
        const answer = await response.json();
        sessionStorage.setItem(TOKEN_KEY, answer.token);
        sessionStorage.setItem(WHO_KEY, body.user + ' @ ' + body.organisation);
        $('password').value = '';
        showApp();
      } else if (response.status === 401) {
        error.textContent = 'Wrong organisation, user or password.';
        $('password').select();
      } else if (response.status === 429) {
        error.textContent = 'Too many failed logins: ' + (await errorText(response)) + '.';
      } else {
        error.textContent = 'Login failed: ' + (await errorText(response)) + '.';
      }
    } catch (e) {
      error.textContent = 'Cannot reach the server. Check the connection and try again.';
    } finally {
      $('login-submit').disabled = false;
    }
  }

  async function logout() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    showLogin('');
    if (token) {
      try {
        await fetch(API + '/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
      } catch (e) {
        // the token is forgotten here either way and expires on the server
      }
    }
  }

  function showLogin(message) {
    stopRefresh();
    state.generation++;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(WHO_KEY);
    state.machine = state.sensor = state.value = null;
    $('machines').replaceChildren();
    $('pending').replaceChildren();
    $('pending-view').hidden = true;
    $('sensors').replaceChildren();
    $('chart').replaceChildren();
    $('app-view').hidden = true;
    $('session').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = message;
    $($('organisation').value ? ($('user').value ? 'password' : 'user') : 'organisation').focus();
  }

  function showApp() {
    $('login-view').hidden = true;
    $('app-view').hidden = false;
    $('session').hidden = false;
    $('whoami').textContent = sessionStorage.getItem(WHO_KEY) || '';
    refresh();
  }

  // --- refreshing --------------------------------------------------------------------------------

  function stopRefresh() {
    clearTimeout(state.timer);
    state.timer = null;
  }

  /** Loads what is shown now, renders it, and schedules the next refresh. */
  async function refresh() {
    stopRefresh();
    const generation = ++state.generation;
    const current = () => generation === state.generation;
    try {
      const [machines, pending] = await Promise.all([api('/machines'), api('/machines?state=pending')]);
      if (!current()) return;
      renderMachines(machines);
      renderPending(pending);

      const machine = state.machine;
      if (machine) {
        const sensors = await api('/machines/' + encodeURIComponent(machine) + '/sensors');
        if (!current()) return;
        renderSensors(machines.find((m) => m.uid === machine), sensors);

        const sensor = state.sensor;
        if (sensor) {
          const to = new Date();
          const from = new Date(to.getTime() - HOUR_MS);
          const query = '?sensor=' + encodeURIComponent(sensor)
            + '&from=' + encodeURIComponent(from.toISOString()) + '&to=' + encodeURIComponent(to.toISOString());
          const rows = await api('/machines/' + encodeURIComponent(machine) + '/measurements' + query);
          if (!current()) return;
          renderChart(sensors.find((s) => s.id === sensor), rows, from, to);
        }
      }
      setStatus('');
      $('refreshed').textContent = 'Updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      if (!current()) return;
      if (e instanceof Unauthorized) {
        showLogin(sessionStorage.getItem(TOKEN_KEY) ? 'Your session has ended. Please log in again.' : '');
        return;
      }
      setStatus('Cannot refresh: ' + (e.message || e) + '. Retrying in ' + REFRESH_MS / 1000 + ' s.');
    }
    if (current()) {
      state.timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  function setStatus(text) {
    const status = $('status');
    status.textContent = text;
    status.classList.toggle('visible', text !== '');
  }

  // --- machines ----------------------------------------------------------------------------------

  function renderMachines(machines) {
    state.machineNames = new Map(machines.map((m) => [m.uid, m.name]));
    $('machines-empty').hidden = machines.length > 0;
    $('machines').closest('table').hidden = machines.length === 0;
    if (state.machine && !state.machineNames.has(state.machine)) {
      state.machine = state.sensor = null;
      $('machine-view').hidden = true;
      $('sensor-view').hidden = true;
    }
    syncRows($('machines'), machines, (m) => m.uid, 'machine', 'uid', 5, (row, m) => {
      const cells = row.children;
      rowButton(cells[0], m.name, () => select(m.uid, null));
      cells[1].textContent = m.role;
      badge(cells[2], m.online ? 'online' : 'offline', m.online ? 'ok' : 'off');
      timeCell(cells[3], m.lastSeen, 'never');
      cells[4].textContent = m.via ? (state.machineNames.get(m.via) || m.via) : '—';
      cells[4].title = m.via && state.machineNames.has(m.via) ? m.via : '';
      markSelected(row, m.uid === state.machine);
    });
  }

  // --- waiting for approval ----------------------------------------------------------------------

  function renderPending(pending) {
    $('pending-view').hidden = pending.length === 0;
    syncRows($('pending'), pending, (p) => p.uid, 'pending', 'uid', 7, (row, p) => {
      const cells = row.children;
      cells[0].textContent = p.name;
      cells[1].textContent = p.uid;
      cells[1].className = 'uid';
      cells[2].textContent = p.via ? (state.machineNames.get(p.via) || p.via) : '—';
      cells[2].title = p.via && state.machineNames.has(p.via) ? p.via : '';
      cells[3].textContent = p.address || '—';
      cells[4].textContent = p.fingerprint;
      cells[4].className = 'fingerprint';
      timeCell(cells[5], p.requestedAt, '—');
      if (!cells[6].firstElementChild) {
        cells[6].className = 'decision';
        cells[6].append(decisionButton('approve', 'Approve', p), decisionButton('reject', 'Reject', p));
      }
    });
  }

  function decisionButton(decision, label, machine) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = decision;
    button.textContent = label;
    button.setAttribute('aria-label', label + ' ' + machine.name + ' (' + machine.uid + ')');
    button.addEventListener('click', () => decide(machine, decision, button.closest('tr')));
    return button;
  }

  async function decide(machine, decision, row) {
    if (decision === 'reject'
        && !window.confirm('Reject ' + machine.name + ' (' + machine.uid + ')? It cannot be approved afterwards.')) {
      return;
    }
    const buttons = row ? [...row.querySelectorAll('button')] : [];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api('/machines/' + encodeURIComponent(machine.uid) + '/' + decision, { method: 'POST' });
    } catch (e) {
      buttons.forEach((b) => { b.disabled = false; });
      if (e instanceof Unauthorized) {
        showLogin('Your session has ended. Please log in again.');
      } else {
        // shown until the next refresh, which also shows the machine's state as it is now
        setStatus('Cannot ' + decision + ' ' + machine.uid + ': ' + (e.message || e) + '.');
      }
      return;
    }
    refresh();
  }

  // --- machine selection -------------------------------------------------------------------------

  function select(machine, sensor) {
    const machineChanged = machine !== state.machine;
    if (machineChanged || sensor !== state.sensor) {
      state.value = null;
    }
    state.machine = machine;
    state.sensor = sensor;
    if (machineChanged) {
      $('sensors').replaceChildren();
    }
    $('chart').replaceChildren();
    $('machine-view').hidden = !machine;
    $('sensor-view').hidden = !sensor;
    $('chart-empty').hidden = true;
    for (const row of $('machines').children) {
      markSelected(row, row.dataset.uid === machine);
    }
    for (const row of $('sensors').children) {
      markSelected(row, row.dataset.id === sensor);
    }
    if (sessionStorage.getItem(TOKEN_KEY)) {
      refresh();
    }
  }

  // --- sensors -----------------------------------------------------------------------------------

  function renderSensors(machine, sensors) {
    $('machine-view').hidden = false;
    $('sensors-title').textContent = 'Sensors of ' + (machine ? machine.name : state.machine);
    $('sensors-empty').hidden = sensors.length > 0;
    $('sensors').closest('table').hidden = sensors.length === 0;
    if (state.sensor && !sensors.some((s) => s.id === state.sensor)) {
      state.sensor = null;
      $('sensor-view').hidden = true;
    }
    syncRows($('sensors'), sensors, (s) => s.id, 'sensor', 'id', 6, (row, s) => {
      const cells = row.children;
      const latest = s.latest;
      rowButton(cells[0], s.id, () => select(state.machine, s.id));
      cells[1].textContent = s.type;
      if (s.state) {
        badge(cells[2], s.state, s.state.toLowerCase());
      } else {
        badge(cells[2], 'no data', 'off');
      }
      valuesCell(cells[3], latest);
      cells[4].textContent = latest && latest.message ? latest.message : '';
      timeCell(cells[5], latest ? latest.time : null, '—');
      markSelected(row, s.id === state.sensor);
    });
  }

  function valuesCell(cell, latest) {
    const names = latest ? Object.keys(latest.values).sort() : [];
    if (names.length === 0) {
      cell.textContent = '—';
      return;
    }
    cell.replaceChildren(...names.map((name) => {
      const item = document.createElement('span');
      item.className = 'value';
      const label = document.createElement('span');
      label.className = 'muted';
      label.textContent = name + ' ';
      const amount = document.createElement('strong');
      amount.textContent = formatValue(latest.values[name], (latest.units || {})[name]);
      item.append(label, amount);
      return item;
    }));
  }

  function formatValue(value, unit) {
    if (unit === 'bytes' && Math.abs(value) >= 1024) {
      const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
      let i = -1;
      do {
        value /= 1024;
        i++;
      } while (Math.abs(value) >= 1024 && i < units.length - 1);
      return number.format(value) + ' ' + units[i];
    }
    return number.format(value) + (unit ? ' ' + unit : '');
  }

  // --- chart -------------------------------------------------------------------------------------

  function renderChart(sensor, rows, from, to) {
    const view = $('sensor-view');
    view.hidden = false;
    const names = [...new Set(rows.flatMap((r) => Object.keys(r.values)))].sort();
    const picker = $('chart-value');
    if (!names.includes(state.value)) {
      const preferred = sensor ? Object.keys(sensor.thresholds || {}).find((n) => names.includes(n)) : undefined;
      state.value = preferred || names[0] || null;
    }
    if (picker.options.length !== names.length || names.some((n, i) => picker.options[i].value !== n)) {
      picker.replaceChildren(...names.map((n) => new Option(n, n)));
    }
    picker.value = state.value || '';
    picker.disabled = names.length < 2;

    const unit = sensor && sensor.latest && sensor.latest.units ? sensor.latest.units[state.value] : undefined;
    $('chart-title').textContent = state.sensor + (state.value ? ' · ' + state.value : '') + (unit ? ' (' + unit + ')' : '') + ' — last hour';

    const points = rows
      .filter((r) => typeof r.values[state.value] === 'number')
      .map((r) => ({ t: Date.parse(r.time), v: r.values[state.value], state: r.state }));
    const chart = $('chart');
    const empty = $('chart-empty');
    if (points.length === 0) {
      chart.replaceChildren();
      empty.textContent = 'No measurements of ' + state.sensor + ' in the last hour.';
      empty.hidden = false;
      return;
    }
    empty.hidden = true;
    const threshold = sensor && sensor.thresholds ? sensor.thresholds[state.value] : null;
    chart.replaceChildren(drawChart(points, from.getTime(), to.getTime(), threshold, unit));
  }

  function drawChart(points, t0, t1, threshold, unit) {
    const W = 760, H = 260, left = 64, right = 16, top = 16, bottom = 32;
    const values = points.map((p) => p.v);
    const low = Math.min(...values);
    const high = Math.max(...values);
    // a little room above and below the line; the labels mark the real lowest and highest value
    const pad = high > low ? (high - low) * 0.08 : Math.abs(low) * 0.1 || 1;
    const min = low - pad;
    const max = high + pad;
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
    const y = (v) => top + (1 - (v - min) / (max - min)) * (H - top - bottom);
    const fmt = (v) => formatValue(v, unit);
    const clock = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', class: 'chart-svg' });
    const title = el('title');
    title.textContent = `${state.value}: ${points.length} measurements from ${new Date(t0).toLocaleString()} to ${new Date(t1).toLocaleString()}, between ${fmt(low)} and ${fmt(high)}`;
    svg.append(title);

    svg.append(el('rect', { x: left, y: top, width: W - left - right, height: H - top - bottom, class: 'plot' }));
    for (const [name, cls] of [['warningAbove', 'warn'], ['errorAbove', 'err'], ['warningBelow', 'warn'], ['errorBelow', 'err']]) {
      const limit = threshold ? threshold[name] : null;
      if (typeof limit === 'number' && limit >= min && limit <= max) {
        svg.append(el('line', { x1: left, x2: W - right, y1: y(limit), y2: y(limit), class: 'limit ' + cls }));
      }
    }
    svg.append(el('line', { x1: left, x2: left, y1: top, y2: H - bottom, class: 'axis' }));
    svg.append(el('line', { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: 'axis' }));

    for (const [v, id] of high > low ? [[high, 'y-max'], [low, 'y-min']] : [[high, 'y-max']]) {
      svg.append(el('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'grid-line' }));
      svg.append(text(fmt(v), left - 8, y(v) + 4, 'label end', id));
    }
    svg.append(text(clock(t0), left, H - 10, 'label start', 'x-start'));
    svg.append(text(clock(t1), W - right, H - 10, 'label end', 'x-end'));

    const coordinates = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { points: coordinates, class: 'line' }));
    for (const p of points) {
      if (p.state !== 'OK' || points.length === 1) {
        svg.append(el('circle', { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 3.5, class: 'dot ' + String(p.state).toLowerCase() }));
      }
    }
    return svg;
  }

  function el(name, attributes = {}) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) {
      node.setAttribute(key, String(value));
    }
    return node;
  }

  function text(content, x, y, cls, id) {
    const node = el('text', { x, y, class: cls, 'data-axis': id });
    node.textContent = content;
    return node;
  }

  // --- table helpers -----------------------------------------------------------------------------

  /**
   * Updates a table body in place: one row per item, keyed by data-KEY, so rows (and the focus in
   * them) survive a refresh. New rows get `cellCount` cells; `update` fills them.
   */
  function syncRows(tbody, items, keyOf, rowClass, dataKey, cellCount, update) {
    const existing = new Map([...tbody.children].map((row) => [row.dataset[dataKey], row]));
    items.forEach((item, index) => {
      const key = keyOf(item);
      let row = existing.get(key);
      existing.delete(key);
      if (!row) {
        row = document.createElement('tr');
        row.className = rowClass;
        row.dataset[dataKey] = key;
        for (let i = 0; i < cellCount; i++) {
          row.append(document.createElement('td'));
        }
      }
      update(row, item);
      if (tbody.children[index] !== row) {
        tbody.insertBefore(row, tbody.children[index] || null);
      }
    });
    existing.forEach((row) => row.remove());
  }

  /** The first cell: a button (for keyboard and screen readers); a click anywhere on the row does the same. */
  function rowButton(cell, label, onSelect) {
    let button = cell.firstElementChild;
    if (!button) {
      button = document.createElement('button');
      button.type = 'button';
      button.className = 'row-link';
      cell.append(button);
      cell.parentElement.addEventListener('click', (event) => {
        if (event.target.closest('button') !== button) {
          button.click();
        }
      });
    }
    button.textContent = label;
    button.onclick = onSelect;
  }

  function markSelected(row, selected) {
    row.classList.toggle('selected', selected);
    const button = row.querySelector('.row-link');
    if (button) {
      button.setAttribute('aria-pressed', String(selected));
    }
  }

  function badge(cell, label, kind) {
    let span = cell.firstElementChild;
    if (!span) {
      span = document.createElement('span');
      cell.append(span);
    }
    span.className = 'badge badge-' + kind;
    span.textContent = label;
  }

  function timeCell(cell, iso, none) {
    if (!iso) {
      cell.textContent = none;
      cell.removeAttribute('title');
      return;
    }
    let time = cell.firstElementChild;
    if (!time) {
      cell.textContent = '';
      time = document.createElement('time');
      cell.append(time);
    }
    time.dateTime = iso;
    time.title = iso;
    time.textContent = relative(Date.parse(iso));
  }

  function relative(t) {
    const seconds = Math.round((Date.now() - t) / 1000);
    if (seconds < 5) return 'just now';
    if (seconds < 60) return seconds + ' s ago';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ago';
    return Math.floor(seconds / 86400) + ' d ago';
  }

  // --- start -------------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('chart-value').addEventListener('change', (event) => {
      state.value = event.target.value;
      refresh();
    });
    if (sessionStorage.getItem(TOKEN_KEY)) {
      showApp();
    } else {
      showLogin('');
    }
  });
})();
