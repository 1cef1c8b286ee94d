// Tributary's web console: a page per view (hash routes), every figure read from this node's
// REST API v3. No framework and no build step; the lag series are kept in this page's memory.
'use strict';

const state = {
  cluster: null,          // cluster id
  lagSeries: new Map(),   // group -> Map("topic/partition" -> [{t, lag}])
  timer: null,            // the current page's poll timer
  selfBroker: undefined,  // the id of the node serving this page (found from whose configs it answers)
};
const LAG_POINTS = 360;

// ---- small helpers -------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function table(headers, rows, attrs) {
  return h('table', attrs || {},
    h('thead', {}, h('tr', {}, headers.map(x => h('th', typeof x === 'string' ? {} : x[1], typeof x === 'string' ? x : x[0])))),
    h('tbody', {}, rows.length ? rows : [h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'None'))]));
}

function show(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes.flat().filter(n => n !== null && n !== undefined && n !== false));
  document.body.dataset.state = 'ready';
}

function utf8ToBase64(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  bytes.forEach(b => { bin += String.fromCharCode(b); });
  return btoa(bin);
}

function base64ToText(b64) {
  if (b64 === null || b64 === undefined) return null;
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, c => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** A REST error, with what the user needs to read: status, v3 error code and message. */
class ApiError extends Error {
  constructor(status, code, message, path) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
  }
  describe() {
    const what = this.status === 401
      ? '401 Unauthorized: this node requires a login (HTTP Basic with a SCRAM user). Reload the page to sign in.'
      : this.status === 403
        ? '403 Forbidden: your user is not allowed to do this (an ACL denies it).'
        : this.status ? `HTTP ${this.status}` : 'The node did not answer';
    return `${what}\n${this.message}${this.code && this.code !== this.status ? ` (error_code ${this.code})` : ''} — ${this.path}`;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 0, String(e), path);
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch (e) { json = null; }
  }
  if (!res.ok) {
    throw new ApiError(res.status, json && json.error_code, (json && json.message) || text || res.statusText, `${method} ${path}`);
  }
  return json;
}

const get = path => api('GET', path);
const enc = encodeURIComponent;
const base = () => `/v3/clusters/${enc(state.cluster)}`;

function showError(e) {
  const box = document.getElementById('error');
  if (!e) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  box.dataset.status = e.status || 0;
  box.textContent = e instanceof ApiError ? e.describe() : String(e);
  document.body.dataset.state = 'error';
}

/** Runs an action started by the user; its failure is shown in the error box. */
async function act(fn) {
  showError(null);
  try {
    await fn();
  } catch (e) {
    showError(e);
  }
}

function dangerButton(label, onConfirm, attrs) {
  // two clicks instead of a modal dialog: the first arms, the second acts
  const b = h('button', Object.assign({ type: 'button', class: 'danger' }, attrs || {}), label);
  b.addEventListener('click', () => {
    if (!b.classList.contains('armed')) {
      b.classList.add('armed');
      b.textContent = 'Click again to ' + label.toLowerCase();
      setTimeout(() => { b.classList.remove('armed'); b.textContent = label; }, 4000);
      return;
    }
    act(onConfirm);
  });
  return b;
}

// ---- pages ---------------------------------------------------------------------------------

async function findSelf(brokers) {
  if (state.selfBroker !== undefined) return state.selfBroker;
  for (const b of brokers) {
    try {
      const configs = await get(`${base()}/brokers/${b.broker_id}/configs`);
      state.selfBroker = { id: b.broker_id, configs: configs.data };
      return state.selfBroker;
    } catch (e) {
      if (e.status === 401 || e.status === 403) throw e;
    }
  }
  state.selfBroker = null;
  return null;
}

function configValue(configs, name) {
  const c = (configs || []).find(x => x.name === name);
  return c ? c.value : null;
}

async function clusterPage() {
  const [cluster, brokers] = await Promise.all([get(base()), get(`${base()}/brokers`)]);
  const controller = cluster.controller ? Number(cluster.controller.related.split('/').pop()) : null;
  let self = null;
  try { self = await findSelf(brokers.data); } catch (e) { self = null; }
  const roles = self ? configValue(self.configs, 'process.roles') : null;
  const voters = self ? configValue(self.configs, 'controller.quorum.voters') : null;
  const rows = brokers.data.map(b => h('tr', { 'data-broker-id': b.broker_id },
    h('td', { class: 'num' }, b.broker_id),
    h('td', { class: 'mono' }, `${b.host}:${b.port}`),
    h('td', {}, b.rack || h('span', { class: 'muted' }, '—')),
    h('td', { class: 'role' },
      b.broker_id === controller ? h('span', { class: 'badge controller' }, 'active controller') : null,
      h('span', { class: 'badge' }, 'broker'),
      self && self.id === b.broker_id ? h('span', { class: 'badge self' }, 'this node') : null)));
  show(
    h('h1', {}, 'Cluster'),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'k' }, 'Cluster id'), h('div', { class: 'v mono', id: 'cluster-id-value' }, state.cluster)),
      h('div', { class: 'card' }, h('div', { class: 'k' }, 'Nodes'), h('div', { class: 'v', id: 'node-count' }, brokers.data.length)),
      h('div', { class: 'card' }, h('div', { class: 'k' }, 'Active controller'), h('div', { class: 'v', id: 'controller' }, controller === null ? 'none' : `node ${controller}`))),
    h('h2', {}, 'Nodes'),
    table(['Node', 'Address (inter-broker listener)', 'Rack', 'Role'], rows, { id: 'nodes' }),
    voters ? h('p', { class: 'muted' }, `Metadata quorum voters: ${voters}`) : null,
    roles ? h('p', { class: 'muted' }, `This node's process.roles: ${roles}`) : null);
}

async function topicsPage() {
  const topics = await get(`${base()}/topics`);
  const form = h('form', { class: 'inline', id: 'create-topic' },
    h('label', {}, 'Name', h('input', { id: 'topic-name', required: true, placeholder: 'orders' })),
    h('label', {}, 'Partitions', h('input', { id: 'topic-partitions', type: 'number', min: 1, value: 1, style: 'width:7em' })),
    h('label', {}, 'Replication factor', h('input', { id: 'topic-rf', type: 'number', min: 1, placeholder: 'default', style: 'width:8em' })),
    h('button', { type: 'submit', id: 'create-topic-button' }, 'Create topic'));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    act(async () => {
      const body = { topic_name: form.querySelector('#topic-name').value.trim(),
        partitions_count: Number(form.querySelector('#topic-partitions').value || 1) };
      const rf = form.querySelector('#topic-rf').value;
      if (rf) body.replication_factor = Number(rf);
      await api('POST', `${base()}/topics`, body);
      await topicsPage();
      document.getElementById('main').prepend(h('div', { class: 'notice', id: 'notice' }, `Topic ${body.topic_name} created.`));
    });
  });
  const rows = topics.data.map(t => h('tr', { 'data-topic': t.topic_name },
    h('td', {}, h('a', { href: `#/topics/${enc(t.topic_name)}` }, t.topic_name), t.is_internal ? h('span', { class: 'badge' }, 'internal') : null),
    h('td', { class: 'num' }, t.partitions_count),
    h('td', { class: 'num' }, t.replication_factor),
    h('td', {}, h('a', { href: `#/browse/${enc(t.topic_name)}` }, 'records')),
    h('td', {}, t.is_internal ? null : dangerButton('Delete', async () => {
      await api('DELETE', `${base()}/topics/${enc(t.topic_name)}`);
      await topicsPage();
    }, { 'data-delete': t.topic_name }))));
  show(h('h1', {}, 'Topics'), form,
    table(['Topic', ['Partitions', { class: 'num' }], ['Replication factor', { class: 'num' }], '', ''], rows, { id: 'topics' }));
}

async function topicPage(name) {
  const [topic, partitions, configs] = await Promise.all([
    get(`${base()}/topics/${enc(name)}`),
    get(`${base()}/topics/${enc(name)}/partitions`),
    get(`${base()}/topics/${enc(name)}/configs`)]);
  const replicaLists = await Promise.all(partitions.data.map(p =>
    get(`${base()}/topics/${enc(name)}/partitions/${p.partition_id}/replicas`)));
  const id = link => link ? Number(link.related.split('/').pop()) : null;
  const prows = partitions.data.map((p, i) => {
    const replicas = replicaLists[i].data;
    const isr = replicas.filter(r => r.is_in_sync).map(r => r.broker_id);
    const leader = id(p.leader);
    return h('tr', { 'data-partition': p.partition_id },
      h('td', { class: 'num' }, p.partition_id),
      h('td', { class: 'num leader' }, leader === null || leader < 0 ? h('span', { class: 'badge warn' }, 'none') : leader),
      h('td', { class: 'replicas' }, replicas.map(r => r.broker_id).join(', ')),
      h('td', { class: 'isr' }, isr.join(', '),
        isr.length < replicas.length ? h('span', { class: 'badge warn' }, 'under-replicated') : null));
  });
  const crows = configs.data.map(c => {
    const input = h('input', { value: c.value === null ? '' : c.value, 'data-config': c.name, disabled: c.is_read_only, size: 28 });
    return h('tr', { 'data-config-row': c.name },
      h('td', { class: 'mono' }, c.name),
      h('td', {}, input),
      h('td', { class: 'muted' }, c.is_default ? 'default' : c.source.replace(/_/g, ' ').toLowerCase()),
      h('td', {}, c.is_read_only ? null : h('button', { type: 'button', class: 'secondary', 'data-save': c.name, onclick: () => act(async () => {
        await api('PUT', `${base()}/topics/${enc(name)}/configs/${enc(c.name)}`, { value: input.value });
        await topicPage(name);
        document.getElementById('main').prepend(h('div', { class: 'notice', id: 'notice' }, `${c.name} set to ${input.value}.`));
      }) }, 'Save'),
      c.is_default || c.is_read_only ? null : h('button', { type: 'button', class: 'secondary', 'data-reset': c.name, onclick: () => act(async () => {
        await api('DELETE', `${base()}/topics/${enc(name)}/configs/${enc(c.name)}`);
        await topicPage(name);
      }) }, 'Reset')));
  });
  show(h('h1', {}, `Topic ${name}`),
    h('p', {}, `${topic.partitions_count} partitions, replication factor ${topic.replication_factor}. `,
      h('a', { href: `#/browse/${enc(name)}` }, 'Browse and produce records')),
    h('h2', {}, 'Partitions'),
    table([['Partition', { class: 'num' }], ['Leader', { class: 'num' }], 'Replicas', 'In-sync replicas'], prows, { id: 'partitions' }),
    h('h2', {}, 'Configuration'),
    table(['Name', 'Value', 'Source', ''], crows, { id: 'topic-configs' }));
}

async function groupsPage() {
  const groups = await get(`${base()}/consumer-groups`);
  const summaries = await Promise.all(groups.data.map(g =>
    get(`${base()}/consumer-groups/${enc(g.consumer_group_id)}/lag-summary`).catch(() => null)));
  const rows = groups.data.map((g, i) => h('tr', { 'data-group': g.consumer_group_id },
    h('td', {}, h('a', { href: `#/groups/${enc(g.consumer_group_id)}` }, g.consumer_group_id)),
    h('td', {}, g.state),
    h('td', {}, g.partition_assignor || ''),
    h('td', { class: 'num total-lag' }, summaries[i] ? summaries[i].total_lag : '—')));
  show(h('h1', {}, 'Consumer groups'),
    table(['Group', 'State', 'Assignor', ['Total lag', { class: 'num' }]], rows, { id: 'groups' }));
}

function seriesOf(group) {
  if (!state.lagSeries.has(group)) state.lagSeries.set(group, new Map());
  return state.lagSeries.get(group);
}

function record(group, lags) {
  const series = seriesOf(group);
  const t = Date.now();
  let total = 0;
  for (const l of lags) {
    const key = `${l.topic_name}/${l.partition_id}`;
    if (!series.has(key)) series.set(key, []);
    const s = series.get(key);
    s.push({ t, lag: l.lag });
    if (s.length > LAG_POINTS) s.shift();
    total += l.lag;
  }
  const key = '*';
  if (!series.has(key)) series.set(key, []);
  series.get(key).push({ t, lag: total });
  if (series.get(key).length > LAG_POINTS) series.get(key).shift();
}

/** An SVG line chart of one lag series (time on x, lag on y from 0). */
function chart(title, points, attrs) {
  const W = 300, H = 110, L = 40, R = 8, T = 8, B = 18;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', W);
  svg.setAttribute('height', H);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const el = (tag, a, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(a)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const max = Math.max(1, ...points.map(p => p.lag));
  const t0 = points.length ? points[0].t : 0;
  const t1 = points.length ? points[points.length - 1].t : 1;
  const x = t => L + (t1 === t0 ? (W - L - R) : (t - t0) / (t1 - t0) * (W - L - R));
  const y = v => T + (1 - v / max) * (H - T - B);
  el('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B });
  el('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B });
  el('text', { x: L - 4, y: T + 8, 'text-anchor': 'end' }, String(max));
  el('text', { x: L - 4, y: H - B, 'text-anchor': 'end' }, '0');
  if (points.length) {
    const secs = Math.round((t1 - t0) / 1000);
    el('text', { x: W - R, y: H - 4, 'text-anchor': 'end' }, 'now');
    el('text', { x: L, y: H - 4 }, `${secs} s ago`);
    const pts = points.map(p => `${x(p.t).toFixed(1)},${y(p.lag).toFixed(1)}`);
    if (points.length === 1) pts.push(`${(W - R).toFixed(1)},${y(points[0].lag).toFixed(1)}`);
    el('polygon', { class: 'area', points: `${L},${H - B} ${pts.join(' ')} ${pts[pts.length - 1].split(',')[0]},${H - B}` });
    el('polyline', { class: 'line', points: pts.join(' ') });
  }
  const last = points.length ? points[points.length - 1].lag : 0;
  return h('div', Object.assign({ class: 'chart' }, attrs || {}),
    h('div', { class: 'title' }, `${title} — lag `, h('b', { class: 'lag-now' }, last)), svg);
}

async function groupPage(group, params) {
  const poll = Math.max(200, Number(params.get('poll') || 5000));
  const refresh = async () => {
    const [g, consumers, lags] = await Promise.all([
      get(`${base()}/consumer-groups/${enc(group)}`),
      get(`${base()}/consumer-groups/${enc(group)}/consumers`),
      get(`${base()}/consumer-groups/${enc(group)}/lags`)]);
    record(group, lags.data);
    const series = seriesOf(group);
    const members = consumers.data.map(c => h('tr', { 'data-consumer': c.consumer_id },
      h('td', { class: 'mono' }, c.consumer_id), h('td', {}, c.client_id), h('td', {}, c.instance_id || '')));
    const lagRows = lags.data.map(l => h('tr', { 'data-lag': `${l.topic_name}/${l.partition_id}` },
      h('td', {}, l.topic_name), h('td', { class: 'num' }, l.partition_id),
      h('td', { class: 'num' }, l.current_offset), h('td', { class: 'num' }, l.log_end_offset),
      h('td', { class: 'num lag' }, l.lag), h('td', { class: 'mono' }, l.consumer_id || '')));
    const charts = [chart('all partitions', series.get('*'), { 'data-chart': '*' })].concat(lags.data.map(l =>
      chart(`${l.topic_name} / ${l.partition_id}`, series.get(`${l.topic_name}/${l.partition_id}`), { 'data-chart': `${l.topic_name}/${l.partition_id}` })));
    show(h('h1', {}, `Consumer group ${group}`),
      h('p', {}, 'State ', h('b', { id: 'group-state' }, g.state), `, ${consumers.data.length} member(s). `,
        h('span', { class: 'muted' }, `Lag is read every ${poll / 1000} s while this page is open.`)),
      h('h2', {}, 'Lag over time'),
      h('div', { class: 'charts', id: 'lag-charts' }, charts),
      h('h2', {}, 'Lag per partition'),
      table(['Topic', ['Partition', { class: 'num' }], ['Committed offset', { class: 'num' }], ['Log end offset', { class: 'num' }], ['Lag', { class: 'num' }], 'Consumer'], lagRows, { id: 'lags' }),
      h('h2', {}, 'Members'),
      table(['Consumer id', 'Client id', 'Instance id'], members, { id: 'members' }));
  };
  await refresh();
  state.timer = setInterval(() => refresh().then(() => showError(null), showError), poll);
}

async function browsePage(topicName, params) {
  const topics = await get(`${base()}/topics`);
  const names = topics.data.map(t => t.topic_name);
  const topic = topicName || names.find(n => !n.startsWith('__')) || names[0];
  if (!topic) {
    show(h('h1', {}, 'Records'), h('p', { class: 'muted' }, 'There are no topics yet.'));
    return;
  }
  const partitions = (await get(`${base()}/topics/${enc(topic)}/partitions`)).data;
  const partition = Number(params.get('partition') || 0);
  const offset = params.get('offset');
  const topicSelect = h('select', { id: 'browse-topic', onchange: ev => { location.hash = `#/browse/${enc(ev.target.value)}`; } },
    names.map(n => h('option', { value: n, selected: n === topic }, n)));
  const partitionSelect = h('select', { id: 'browse-partition' },
    partitions.map(p => h('option', { value: p.partition_id, selected: p.partition_id === partition }, p.partition_id)));
  const offsetInput = h('input', { id: 'browse-offset', type: 'number', min: 0, placeholder: 'earliest', value: offset || '', style: 'width:9em' });
  const readForm = h('form', { class: 'inline', id: 'browse-form' },
    h('label', {}, 'Topic', topicSelect), h('label', {}, 'Partition', partitionSelect),
    h('label', {}, 'From offset', offsetInput), h('button', { type: 'submit', id: 'browse-read' }, 'Read'));
  readForm.addEventListener('submit', ev => {
    ev.preventDefault();
    const q = new URLSearchParams({ partition: partitionSelect.value });
    if (offsetInput.value !== '') q.set('offset', offsetInput.value);
    location.hash = `#/browse/${enc(topic)}?${q}`;
  });

  const produceForm = h('form', { class: 'inline', id: 'produce-form' },
    h('label', {}, 'Partition', h('select', { id: 'produce-partition' }, h('option', { value: '' }, 'by key'),
      partitions.map(p => h('option', { value: p.partition_id }, p.partition_id)))),
    h('label', {}, 'Key', h('input', { id: 'produce-key', placeholder: '(none)' })),
    h('label', {}, 'Value', h('textarea', { id: 'produce-value', rows: 2, cols: 40 })),
    h('label', {}, 'Headers (name=value, one a line)', h('textarea', { id: 'produce-headers', rows: 2, cols: 24 })),
    h('button', { type: 'submit', id: 'produce-send' }, 'Produce'));
  produceForm.addEventListener('submit', ev => {
    ev.preventDefault();
    act(async () => {
      const body = {};
      const p = produceForm.querySelector('#produce-partition').value;
      if (p !== '') body.partition_id = Number(p);
      const key = produceForm.querySelector('#produce-key').value;
      if (key !== '') body.key = { type: 'STRING', data: key };
      body.value = { type: 'STRING', data: produceForm.querySelector('#produce-value').value };
      const headers = produceForm.querySelector('#produce-headers').value.split('\n').filter(l => l.trim() !== '');
      body.headers = headers.map(l => {
        const i = l.indexOf('=');
        return i < 0 ? { name: l.trim(), value: null } : { name: l.slice(0, i).trim(), value: utf8ToBase64(l.slice(i + 1)) };
      });
      const r = await api('POST', `${base()}/topics/${enc(topic)}/records`, body);
      const q = new URLSearchParams({ partition: r.partition_id, offset: r.offset });
      location.hash = `#/browse/${enc(topic)}?${q}&produced=${r.offset}`;
    });
  });

  let recordsPart;
  try {
    const q = new URLSearchParams({ max_records: 50 });
    if (offset !== null && offset !== '') q.set('offset', offset);
    const records = await get(`${base()}/topics/${enc(topic)}/partitions/${partition}/records?${q}`);
    const text = d => d === null ? h('span', { class: 'muted' }, 'null')
      : d.type === 'BINARY' ? h('span', {}, h('span', { class: 'badge' }, 'base64'), d.data) : d.data;
    const rows = records.data.map(r => h('tr', { 'data-offset': r.offset },
      h('td', { class: 'num' }, r.partition_id), h('td', { class: 'num' }, r.offset),
      h('td', { class: 'mono' }, r.timestamp || ''),
      h('td', { class: 'mono key' }, text(r.key)), h('td', { class: 'mono value' }, text(r.value)),
      h('td', { class: 'mono headers' }, r.headers.map(x => `${x.name}=${x.value === null ? 'null' : base64ToText(x.value)}`).join('\n'))));
    const next = new URLSearchParams({ partition, offset: records.next_offset });
    recordsPart = [
      h('p', { class: 'muted', id: 'browse-range' }, `Partition ${partition} holds offsets ${records.log_start_offset} to ${records.high_watermark - 1} (high watermark ${records.high_watermark}).`),
      table([['Partition', { class: 'num' }], ['Offset', { class: 'num' }], 'Timestamp', 'Key', 'Value', 'Headers'], rows, { id: 'records' }),
      records.next_offset < records.high_watermark ? h('a', { href: `#/browse/${enc(topic)}?${next}`, id: 'browse-next' }, 'Next records →') : null];
  } catch (e) {
    showError(e);
    recordsPart = [];
  }
  const produced = params.get('produced');
  show(h('h1', {}, `Records of ${topic}`),
    produced !== null ? h('div', { class: 'notice', id: 'notice' }, `Record produced at partition ${partition}, offset ${produced}.`) : null,
    readForm, ...recordsPart,
    h('h2', {}, 'Produce a record'), produceForm);
}

async function quotasPage() {
  const quotas = await get(`${base()}/client-quotas`);
  const entity = e => Object.entries(e).map(([type, name]) => `${type}=${name === null ? '<default>' : name}`).join(', ');
  const rows = quotas.data.map(q => h('tr', { 'data-entity': entity(q.entity) },
    h('td', { class: 'mono' }, entity(q.entity)),
    h('td', { class: 'mono' }, Object.entries(q.quotas).map(([k, v]) => `${k}=${v}`).join('\n'))));
  show(h('h1', {}, 'Client quotas'),
    h('p', { class: 'muted' }, 'Quotas per user and client id, as kafka-configs --entity-type users|clients sets them (DescribeClientQuotas).'),
    table(['Entity', 'Quotas'], rows, { id: 'quotas' }));
}

async function configsPage(params) {
  const brokers = (await get(`${base()}/brokers`)).data;
  const self = await findSelf(brokers);
  const wanted = params.get('broker');
  const id = wanted !== null ? Number(wanted) : self ? self.id : brokers.length ? brokers[0].broker_id : 0;
  const configs = self && self.id === id ? { data: self.configs } : await get(`${base()}/brokers/${id}/configs`);
  const rows = configs.data.map(c => h('tr', { 'data-config-row': c.name },
    h('td', { class: 'mono' }, c.name),
    h('td', { class: 'mono' }, c.is_sensitive ? h('span', { class: 'muted' }, '(sensitive)') : c.value === null ? '' : c.value),
    h('td', { class: 'muted' }, c.is_default ? 'default' : c.source.replace(/_/g, ' ').toLowerCase())));
  show(h('h1', {}, `Broker configs of node ${id}`),
    h('p', { class: 'muted' }, 'Each node describes its own configuration; open another node\'s console to see its own.'),
    table(['Name', 'Value', 'Source'], rows, { id: 'broker-configs' }));
}

// ---- routing -------------------------------------------------------------------------------

async function route() {
  if (state.timer) {
    clearInterval(state.timer);
    state.timer = null;
  }
  showError(null);
  document.body.dataset.state = 'loading';
  const hash = location.hash.replace(/^#\/?/, '') || 'cluster';
  const [path, query] = hash.split('?');
  const parts = path.split('/').map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === (parts[0] === 'topics' && parts[1] ? 'topics' : parts[0]));
  try {
    if (!state.cluster) {
      const clusters = await get('/v3/clusters');
      state.cluster = clusters.data[0].cluster_id;
      document.getElementById('cluster-id').textContent = `cluster ${state.cluster}`;
    }
    switch (parts[0]) {
      case 'topics': await (parts[1] ? topicPage(parts[1]) : topicsPage()); break;
      case 'groups': await (parts[1] ? groupPage(parts[1], params) : groupsPage()); break;
      case 'browse': await browsePage(parts[1], params); break;
      case 'quotas': await quotasPage(); break;
      case 'configs': await configsPage(params); break;
      default: await clusterPage();
    }
  } catch (e) {
    show(h('p', { class: 'muted' }, 'This view could not be loaded.'));
    showError(e);
  }
}

window.addEventListener('hashchange', route);
route();
