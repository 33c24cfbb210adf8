/*
 * The reports page (served at /reports): asks for an API key once and keeps it in sessionStorage
 * (this tab's session only), reads GET /v1/reports/summary and GET /v1/contacts/{id}/timeline with
 * it, and draws charts with Chart.js (served from the API's own node_modules: no CDN) beside
 * tables. Each table downloads as CSV from GET /v1/reports/summary.csv. Everything is written with
 * textContent: nothing the API returns is ever parsed as HTML.
 */
'use strict';

(function () {
  const KEY = 'redial.apiKey';
  const REFRESH_MS = 15000;
  const $ = (id) => document.getElementById(id);
  const charts = {};
  let current = null;

  const pct = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);
  const num = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
  const secs = (s) => (s === null || s === undefined ? '–' : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s} s`);

  /** The columns every table shows (the CSV has the same figures, raw). */
  const metricColumns = [
    ['attempts', (r) => num(r.attempted)],
    ['connect rate', (r) => pct(r.lineConnectRate)],
    ['conversion', (r) => pct(r.conversionRate)],
    ['avg talk', (r) => secs(r.avgTalkTimeSec)],
    ['total talk', (r) => secs(r.talkTimeSec)],
    ['SMS sent', (r) => num(r.smsSent)],
    ['opt-outs', (r) => num(r.optedOut)],
    ['complaint rate', (r) => pct(r.complaintRate)],
  ];
  const tables = {
    'campaign-days': { rows: (r) => r.byCampaignDay, columns: [['campaign', (x) => x.campaignId], ['day', (x) => x.day], ...metricColumns] },
    campaigns: { rows: (r) => r.byCampaign, columns: [['campaign', (x) => x.campaignId], ...metricColumns] },
    'line-series': {
      rows: (r) => r.byLineOverTime.points,
      columns: [['line', (x) => x.lineId ?? '(none)'], ['from (UTC)', (x) => x.at.replace('T', ' ').replace(':00Z', '')], ['placed', (x) => num(x.placed)], ['connect rate', (x) => pct(x.lineConnectRate)], ['failures', (x) => num(x.carrierFailures)], ['failure rate', (x) => pct(x.lineFailureRate)], ['invalid', (x) => num(x.invalid)]],
    },
  };

  const key = () => sessionStorage.getItem(KEY);

  async function api(path, accept) {
    const res = await fetch(path, { headers: { authorization: `Bearer ${key()}`, accept: accept ?? 'application/json' } });
    if (res.status === 401) {
      sessionStorage.removeItem(KEY);
      showLogin('That key is unknown or revoked.');
      throw new Error('unauthenticated');
    }
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body.detail || body.title || `HTTP ${res.status}`);
    }
    return res;
  }

  function query() {
    const to = new Date();
    const from = new Date(to.getTime() - Number($('window').value) * 3600000);
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    if ($('campaign').value) q.set('campaignId', $('campaign').value);
    return q;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function renderTable(name, report) {
    const t = tables[name];
    const table = $(`table-${name}`);
    table.replaceChildren();
    const head = el('thead');
    const hr = el('tr');
    t.columns.forEach(([label]) => hr.appendChild(el('th', label)));
    head.appendChild(hr);
    const body = el('tbody');
    for (const row of t.rows(report)) {
      const tr = el('tr');
      t.columns.forEach(([, value]) => tr.appendChild(el('td', value(row))));
      body.appendChild(tr);
    }
    table.append(head, body);
  }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
  }

  const palette = ['#2f5fd0', '#d0612f', '#1f7a3f', '#8a2fd0', '#c9a227', '#2fb8d0', '#d02f7a', '#5d6575'];
  const color = (i) => palette[i % palette.length];
  const rate = (r) => (r === null ? null : Math.round(r * 1000) / 10);

  function render(report) {
    current = report;
    // totals
    const cards = [
      ['attempts', num(report.attempted)],
      ['connect rate', pct(report.lineConnectRate)],
      ['conversion', pct(report.conversionRate)],
      ['avg talk time', secs(report.avgTalkTimeSec)],
      ['total talk time', secs(report.talkTimeSec)],
      ['SMS sent', num(report.smsSent)],
      ['opt-outs', num(report.optedOut)],
      ['complaint rate', pct(report.complaintRate)],
    ];
    $('totals').replaceChildren(
      ...cards.map(([label, value]) => {
        const c = el('div', undefined, 'card');
        c.append(el('b', value), el('span', label, 'meta'));
        c.dataset.metric = label;
        return c;
      }),
    );
    // campaign filter: keep the choice, offer every campaign seen
    const select = $('campaign');
    const chosen = select.value;
    const known = new Set([...select.options].map((o) => o.value));
    for (const c of report.byCampaign) if (!known.has(c.campaignId)) select.appendChild(new Option(c.campaignId, c.campaignId));
    select.value = chosen;

    // per campaign and day: attempts (bars) and connect rate (lines)
    const days = [...new Set(report.byCampaignDay.map((r) => r.day))].sort();
    const campaigns = [...new Set(report.byCampaignDay.map((r) => r.campaignId))].sort();
    const cell = (c, d) => report.byCampaignDay.find((r) => r.campaignId === c && r.day === d);
    chart('chart-campaign-days', {
      data: {
        labels: days,
        datasets: [
          ...campaigns.map((c, i) => ({ type: 'bar', label: `${c} attempts`, data: days.map((d) => cell(c, d)?.attempted ?? 0), backgroundColor: color(i), yAxisID: 'y' })),
          ...campaigns.map((c, i) => ({ type: 'line', label: `${c} connect %`, data: days.map((d) => rate(cell(c, d)?.lineConnectRate ?? null)), borderColor: color(i), yAxisID: 'rate' })),
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'attempts' } }, rate: { position: 'right', min: 0, max: 100, title: { display: true, text: '%' }, grid: { drawOnChartArea: false } } } },
    });
    // per campaign: the rates side by side
    chart('chart-campaigns', {
      type: 'bar',
      data: {
        labels: report.byCampaign.map((r) => r.campaignId),
        datasets: [
          { label: 'connect %', data: report.byCampaign.map((r) => rate(r.lineConnectRate)), backgroundColor: color(0) },
          { label: 'conversion %', data: report.byCampaign.map((r) => rate(r.conversionRate)), backgroundColor: color(2) },
          { label: 'complaint %', data: report.byCampaign.map((r) => rate(r.complaintRate)), backgroundColor: color(1) },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: '%' } } } },
    });
    // per line over time: connect rate (lines) and failures (bars)
    const points = report.byLineOverTime.points;
    const times = [...new Set(points.map((p) => p.at))].sort();
    const lines = [...new Set(points.map((p) => p.lineId ?? '(none)'))].sort();
    const at = (l, t) => points.find((p) => (p.lineId ?? '(none)') === l && p.at === t);
    chart('chart-lines', {
      data: {
        labels: times.map((t) => (report.byLineOverTime.bucket === 'hour' ? t.slice(5, 16).replace('T', ' ') : t.slice(0, 10))),
        datasets: [
          ...lines.map((l, i) => ({ type: 'line', label: `${l} connect %`, data: times.map((t) => rate(at(l, t)?.lineConnectRate ?? null)), borderColor: color(i), yAxisID: 'rate' })),
          ...lines.map((l, i) => ({ type: 'bar', label: `${l} failures`, data: times.map((t) => at(l, t)?.carrierFailures ?? 0), backgroundColor: color(i), yAxisID: 'y' })),
        ],
      },
      options: { scales: { rate: { position: 'left', min: 0, max: 100, title: { display: true, text: 'connect %' } }, y: { position: 'right', beginAtZero: true, title: { display: true, text: 'failures' }, grid: { drawOnChartArea: false } } } },
    });
    for (const name of Object.keys(tables)) renderTable(name, report);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.rendered = String(Date.now());
  }

  async function load() {
    try {
      const res = await api(`/v1/reports/summary?${query()}`);
      render(await res.json());
      $('error').textContent = '';
    } catch (err) {
      if (err.message !== 'unauthenticated') $('error').textContent = `Could not load the report: ${err.message}`;
    }
  }

  async function downloadCsv(name) {
    const q = query();
    q.set('table', name);
    const res = await api(`/v1/reports/summary.csv?${q}`, 'text/csv');
    const url = URL.createObjectURL(await res.blob());
    const a = el('a');
    a.href = url;
    a.download = `redial-${name}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  async function showTimeline(id) {
    const list = $('timeline');
    list.replaceChildren();
    $('contact-head').textContent = 'loading…';
    try {
      const t = await (await api(`/v1/contacts/${encodeURIComponent(id)}/timeline`)).json();
      $('contact-head').textContent = `${t.contact.phone} · ${t.contact.timeZone} · ${t.contact.status} · cadence ${t.contact.workflowId}${t.errors.length ? ` · ${t.errors.join('; ')}` : ''}`;
      for (const e of t.entries) {
        const li = el('li', undefined, e.kind);
        li.append(el('div', e.summary), el('div', `${e.at} · ${e.kind} · ${e.source}${e.campaignId ? ` · ${e.campaignId}` : ''}${e.strategyVersion ? ` · strategy v${e.strategyVersion}` : ''}`, 'meta'));
        list.appendChild(li);
      }
      document.body.dataset.timeline = String(t.entries.length);
    } catch (err) {
      $('contact-head').textContent = `Could not load the timeline: ${err.message}`;
    }
  }

  function showLogin(message) {
    $('reports').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message ?? '';
  }

  function start() {
    $('login').hidden = true;
    $('reports').hidden = false;
    void load();
    const m = /contact=([0-9a-f-]{36})/.exec(location.hash);
    if (m) {
      $('contact-id').value = m[1];
      void showTimeline(m[1]);
    }
  }

  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $('key').value.trim());
    $('key').value = '';
    start();
  });
  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    showLogin();
  });
  $('refresh').addEventListener('click', () => void load());
  $('window').addEventListener('change', () => void load());
  $('campaign').addEventListener('change', () => void load());
  $('contact-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('contact-id').value.trim();
    location.hash = `contact=${id}`;
    void showTimeline(id);
  });
  document.querySelectorAll('[data-csv]').forEach((b) => b.addEventListener('click', () => void downloadCsv(b.dataset.csv).catch((err) => ($('error').textContent = `CSV: ${err.message}`))));
  setInterval(() => {
    if (key() && current) void load();
  }, REFRESH_MS);

  if (key()) start();
  else showLogin();
})();
