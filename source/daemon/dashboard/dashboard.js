// The daemon's status page. The state arrives whole as server-sent events on /events,
// read through fetch so the bearer token goes in a header (EventSource cannot send one).
// File names and findings come from analysed files: they are only ever set as text.
'use strict';

const TOKEN_KEY = 'broapt-daemon-token';
const $ = (id) => document.getElementById(id);

function takeTokenFromHash() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname);
  }
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fill(tbody, items, addRow) {
  tbody.replaceChildren();
  for (const item of items) addRow(tbody.insertRow(), item);
}

const clock = (iso) => new Date(iso).toLocaleTimeString();

function render(state) {
  for (const name of ['queued', 'running', 'completed', 'failed']) $(`count-${name}`).textContent = String(state.counters[name]);
  const most = Math.max(1, ...state.throughput.map((m) => m.files));
  $('throughput').replaceChildren(
    ...state.throughput.map((m) => {
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.height = `${(m.files / most) * 100}%`;
      bar.title = `${clock(m.minute)}: ${m.files} files`;
      const label = document.createElement('span');
      label.textContent = m.files ? String(m.files) : '';
      bar.append(label);
      return bar;
    }),
  );
  fill($('mimes'), state.mimes, (row, m) => {
    cell(row, m.mime);
    cell(row, String(m.done));
    cell(row, String(m.failed));
    cell(row, Object.entries(m.verdicts).map(([v, n]) => `${v} ${n}`).join(', '));
  });
  fill($('verdicts'), state.verdicts, (row, v) => {
    row.className = `verdict-${v.verdict}`;
    cell(row, clock(v.time));
    cell(row, v.name, 'file').title = v.path;
    cell(row, v.mime);
    cell(row, v.verdict, 'verdict');
    cell(row, v.score === null ? '' : String(v.score));
    const list = document.createElement('ul');
    list.className = 'findings';
    for (const f of v.findings) {
      const item = document.createElement('li');
      item.textContent = `${f.rule}${f.description ? `: ${f.description}` : ''}${f.severity ? ` (${f.severity})` : ''}`;
      list.append(item);
    }
    row.insertCell().append(list);
  });
  fill($('failures'), state.failures, (row, f) => {
    cell(row, clock(f.time));
    cell(row, f.name, 'file').title = f.path;
    cell(row, f.mime);
    cell(row, f.reason);
  });
}

function status(text, kind) {
  const el = $('connection');
  el.textContent = text;
  el.className = `connection ${kind}`;
}

async function stream() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch('/events', { headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
  if (response.status === 401) {
    status('token needed', 'down');
    $('login').hidden = false;
    return false;
  }
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  $('login').hidden = true;
  status('live', 'live');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return true;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data && /^event: state$/m.test(message)) render(JSON.parse(data));
    }
  }
}

async function connect() {
  try {
    if (!(await stream())) return;
    status('disconnected; retrying', 'down');
  } catch (error) {
    status(`disconnected (${error.message}); retrying`, 'down');
  }
  setTimeout(connect, 2000);
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value);
  $('token').value = '';
  connect();
});
takeTokenFromHash();
connect();
