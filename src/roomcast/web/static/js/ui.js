// Small DOM helpers. User text only ever goes in through textContent: never as HTML.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Same rules as the server's Jinja filters (web/app.py), so avatars match everywhere.
export function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] || '?'];
  return letters.map((w) => Array.from(w)[0]).join('').toUpperCase();
}

export function hue(username) {
  let h = 0;
  for (const ch of String(username)) h = (h * 31 + ch.codePointAt(0)) % 1000003;
  return h % 12;
}

export function avatar(user, size = 'md') {
  return el('span', { class: `avatar avatar-${size} hue-${hue(user.username)}`, 'aria-hidden': 'true',
    text: initials(user.display_name) });
}

export const me = JSON.parse(document.body.dataset.me || 'null'); // sign-in and out load a new document

// Go to one of our pages without reloading the document (the room you are in keeps playing).
export function go(url, action = 'advance') {
  if (window.Turbo) window.Turbo.visit(url, { action });
  else location.href = url;
}
export const refresh = () => go(location.pathname + location.search, 'replace');

let toastTimer;
export function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3000);
}

export function plural(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

// Text with web links made clickable: every piece is a text node or an <a> built here,
// never parsed HTML; only http(s) URLs become links.
export function linkified(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    out.push(document.createTextNode(text.slice(last, m.index)));
    let url = null;
    try { url = new URL(m[0]); } catch { url = null; }
    out.push(url && ['http:', 'https:'].includes(url.protocol)
      ? el('a', { href: url.href, rel: 'noopener nofollow ugc', target: '_blank', text: m[0] })
      : document.createTextNode(m[0]));
    last = m.index + m[0].length;
  }
  out.push(document.createTextNode(text.slice(last)));
  return out;
}

// Make `list`'s children show `items`, keeping the node of every item whose key and content
// did not change: focus stays where it was, and a role="log" list announces only what is new.
export function reconcile(list, items, keyOf, build, sigOf = (item) => JSON.stringify(item)) {
  const old = new Map([...list.children].map((n) => [n.dataset.rk, n]));
  const nodes = items.map((item) => {
    const key = String(keyOf(item));
    const sig = sigOf(item);
    const kept = old.get(key);
    if (kept && kept.dataset.sig === sig) return kept;
    const node = build(item);
    node.dataset.rk = key;
    node.dataset.sig = sig;
    return node;
  });
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  const focusKey = focused?.closest('[data-rk]')?.dataset.rk;
  nodes.forEach((node, i) => { if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null); });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
  if (focused && !focused.isConnected && focusKey) { // rebuilt: focus its replacement
    list.querySelector(`[data-rk="${CSS.escape(focusKey)}"] button, [data-rk="${CSS.escape(focusKey)}"] a`)?.focus();
  }
}

// Say something to screen readers once (the live region in base.html).
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

// A form's errors, all at once: each next to its field (marked aria-invalid and described by
// the message), and a summary in `summary` (a role="alert" element). Unknown fields: summary only.
export function showErrors(form, err, summary) {
  clearErrors(form);
  const marked = [];
  for (const { field, message } of err.fields || []) {
    const input = form.elements[String(field).split('.').pop()];
    if (!input || !input.id && !input.name) continue;
    const note = el('small', { class: 'field-error', id: `${input.name}-error`, text: message });
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), note.id].filter(Boolean).join(' '));
    input.after(note);
    marked.push(input);
  }
  const retry = err.retryAfter ? ` (try again in ${err.retryAfter} s)` : '';
  summary.textContent = marked.length > 1 ? 'Some fields need another look: see the marked fields.' : `${err.message}${retry}`;
  summary.hidden = false;
  marked[0]?.focus();
}

export function clearErrors(form) {
  for (const note of form.querySelectorAll('.field-error')) {
    const input = note.previousElementSibling;
    if (input) {
      input.removeAttribute('aria-invalid');
      const rest = (input.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && id !== note.id);
      if (rest.length) input.setAttribute('aria-describedby', rest.join(' ')); else input.removeAttribute('aria-describedby');
    }
    note.remove();
  }
}

// Times are sent as UTC instants (<time datetime="..." data-local>): each reader sees them
// in their own zone, in their own language's format. The server's text stays for no-JS.
const WHEN = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
export function localTime(iso, options = WHEN) {
  return new Intl.DateTimeFormat(undefined, options).format(new Date(iso));
}
export function localTimes(root) {
  for (const t of root?.querySelectorAll('time[data-local]') ?? []) {
    t.textContent = localTime(t.getAttribute('datetime'));
    t.title = t.title || `${Intl.DateTimeFormat().resolvedOptions().timeZone} time`;
  }
}
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
