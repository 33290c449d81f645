// The daemon's Results page: the records of its logs folder from the results index, newest
// first, filtered by verdict, each file with its findings and the members unpacked from it as
// a tree. Names and findings come from analysed files: they are only ever set as text.
'use strict';

const TOKEN_KEY = 'broapt-daemon-token';
const PAGE = 50;
const $ = (id) => document.getElementById(id);
let offset = 0;

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

const when = (iso) => new Date(iso).toLocaleString();
const outcome = (r) => (r.status === 'failed' ? 'failed' : r.verdict || 'unknown');

function findingList(result) {
  const list = element('ul', undefined, 'findings');
  if (result.status === 'failed') list.append(element('li', result.reason || 'failed'));
  for (const f of result.findings) {
    list.append(element('li', `${f.rule}${f.description ? `: ${f.description}` : ''}${f.severity ? ` (${f.severity})` : ''}`));
  }
  return list;
}

/** A member and its own members, nested: the archive's tree. */
function memberTree(children) {
  const tree = element('ul', undefined, 'tree');
  for (const child of children) {
    const item = element('li', undefined, `verdict-${outcome(child)}`);
    const line = element('div', undefined, 'member');
    line.append(element('span', child.archivePath || child.name, 'file'), ' ', element('span', outcome(child), 'verdict'));
    if (child.score) line.append(` ${child.score}`);
    item.append(line, findingList(child));
    if (child.children.length > 0) item.append(memberTree(child.children));
    tree.append(item);
  }
  return tree;
}

function render(page) {
  const tbody = $('results');
  tbody.replaceChildren();
  for (const r of page.results) {
    const row = tbody.insertRow();
    row.className = `verdict-${outcome(r)}`;
    row.insertCell().textContent = when(r.time);
    const file = row.insertCell();
    file.className = 'file';
    file.textContent = r.name;
    file.title = `${r.path}${r.sha256 ? `\nsha256 ${r.sha256}` : ''}`;
    row.insertCell().textContent = r.realMime && r.realMime !== r.mime ? `${r.mime} (content: ${r.realMime})` : r.mime;
    const verdict = row.insertCell();
    verdict.className = 'verdict';
    verdict.textContent = outcome(r);
    row.insertCell().textContent = r.score === null ? '' : String(r.score);
    const details = row.insertCell();
    details.append(findingList(r));
    if (r.children.length > 0) {
      const box = element('details', undefined, 'members');
      box.open = true;
      box.append(element('summary', `${r.children.length} unpacked member${r.children.length === 1 ? '' : 's'}`), memberTree(r.children));
      details.append(box);
    }
  }
  const last = page.offset + page.results.length;
  $('range').textContent = page.total === 0 ? 'no file' : `${page.offset + 1}–${last} of ${page.total}`;
  $('newer').disabled = page.offset === 0;
  $('older').disabled = last >= page.total;
}

function status(text, kind) {
  const el = $('connection');
  el.textContent = text;
  el.className = `connection ${kind}`;
}

async function load() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if ($('verdict').value) query.set('verdict', $('verdict').value);
  try {
    const response = await fetch(`/api/v1.0/results?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
    if (response.status === 401) {
      status('token needed', 'down');
      $('login').hidden = false;
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    $('login').hidden = true;
    render(await response.json());
    status('up to date', 'live');
  } catch (error) {
    status(`could not load (${error.message})`, 'down');
  }
}

const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
if (match) {
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname);
}
$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value);
  $('token').value = '';
  load();
});
$('verdict').addEventListener('change', () => {
  offset = 0;
  load();
});
$('newer').addEventListener('click', () => {
  offset = Math.max(0, offset - PAGE);
  load();
});
$('older').addEventListener('click', () => {
  offset += PAGE;
  load();
});
load();
