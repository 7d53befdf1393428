// The signed-in person's notices: one socket for the whole visit (like the room's), the
// bell's unread count in the top bar, and a pop-up for each new notice as it arrives.
import { connectLive } from './live.js';
import { announce } from './ui.js';

export const notices = new EventTarget(); // 'notice' (detail: the notice), 'unread' (count)
let unread = 0;
let popTimer = null;

export function unreadCount() { return unread; }

export function setUnread(n) {
  unread = Math.max(0, n);
  drawBell();
  notices.dispatchEvent(new CustomEvent('unread', { detail: unread }));
}

// The top bar is part of each page: draw the count again after every page swap.
export function drawBell() {
  const bell = document.getElementById('bell');
  const count = document.getElementById('bell-count');
  if (!bell || !count) return;
  count.hidden = unread === 0;
  count.textContent = unread > 99 ? '99+' : String(unread);
  bell.setAttribute('aria-label', unread ? `Notifications, ${unread} unread` : 'Notifications');
}

function pop(notice) {
  const box = document.getElementById('notice-pop');
  document.getElementById('notice-pop-text').textContent = notice.text;
  document.getElementById('notice-pop-link').setAttribute('href', notice.url);
  box.hidden = false;
  clearTimeout(popTimer);
  popTimer = setTimeout(() => { box.hidden = true; }, 12000);
}

export function startNotices() {
  document.getElementById('notice-pop-close')?.addEventListener('click', () => {
    document.getElementById('notice-pop').hidden = true;
  });
  document.getElementById('notice-pop-link')?.addEventListener('click', () => {
    document.getElementById('notice-pop').hidden = true;
  });
  connectLive('/api/me/live', {
    onSnapshot: (msg) => setUnread(msg.unread),
    onUpdate: (u) => {
      if (u.type !== 'notice') return;
      setUnread(unread + 1);
      pop(u.notice);
      announce(u.notice.text);
      notices.dispatchEvent(new CustomEvent('notice', { detail: u.notice }));
    },
    onState: () => {},
    onFinal: () => {},
  });
  document.addEventListener('turbo:load', drawBell);
}
