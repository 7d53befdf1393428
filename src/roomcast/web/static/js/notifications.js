// The notifications page: new ones appear at the top as they arrive; opening one marks it
// read; "Mark all read" clears the bell.
import { api } from './api.js';
import { notices, setUnread, unreadCount } from './notices.js';
import { avatar, el, localTime, toast } from './ui.js';

function item(n) {
  return el('li', { class: 'notice-item unread', 'data-id': n.id },
    el('a', { href: n.url },
      n.actor ? avatar(n.actor, 'sm') : el('span', { class: 'notice-icon', 'aria-hidden': 'true', text: '🔔' }),
      el('span', { class: 'notice-text' },
        el('span', { text: n.text }), el('span', { class: 'sr-only', text: ' (unread)' }),
        el('span', { class: 'muted small', text: n.starts_at ? `Starts ${localTime(n.starts_at)}` : 'Just now' }))));
}

export function mount(main, signal) {
  const list = document.getElementById('notices');
  const readAll = document.getElementById('read-all');
  const line = document.getElementById('unread-line');
  const draw = (n) => { line.textContent = `${n} unread`; readAll.disabled = n === 0; };
  draw(unreadCount() || list.querySelectorAll('.notice-item.unread').length);

  notices.addEventListener('notice', (e) => {
    list.prepend(item(e.detail));
    document.getElementById('no-notices').hidden = true;
  }, { signal });
  notices.addEventListener('unread', (e) => draw(e.detail), { signal });

  readAll.addEventListener('click', async () => {
    try {
      const { unread } = await api('POST', '/api/me/notifications/read', {});
      setUnread(unread);
      for (const li of list.querySelectorAll('.notice-item.unread')) {
        li.classList.remove('unread');
        li.querySelector('.sr-only')?.remove();
      }
    } catch (err) { toast(err.message); }
  }, { signal });

  list.addEventListener('click', (e) => {
    const li = e.target.closest('.notice-item.unread');
    if (!li) return;
    li.classList.remove('unread');
    api('POST', '/api/me/notifications/read', { ids: [Number(li.dataset.id)] })
      .then(({ unread }) => setUnread(unread)).catch(() => {});
  }, { signal });
}
