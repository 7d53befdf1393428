// An event's page: notify me, share, start (host), cancel (host), co-host answers; it
// notices when the event goes live and offers the room.
import { api } from './api.js';
import { wireFollow } from './follow.js';
import { wireSaleBox } from './tickets.js';
import { go, refresh, toast } from './ui.js';

export function mount(main, signal) {
  const page = main.querySelector('[data-page="event"]');
  const id = page.dataset.eventId;
  const base = `/api/events/${encodeURIComponent(id)}`;
  const error = document.getElementById('event-error');
  const fail = (err) => { error.textContent = err.message; error.hidden = false; };
  wireFollow(main, signal);
  wireSaleBox(main, signal);

  const rsvp = document.getElementById('rsvp');
  rsvp?.addEventListener('click', async () => {
    const going = rsvp.getAttribute('aria-pressed') !== 'true';
    rsvp.disabled = true;
    try {
      const e = await api('PUT', `${base}/rsvp`, { going });
      rsvp.setAttribute('aria-pressed', String(e.rsvped));
      rsvp.textContent = e.rsvped ? '✓ You will be notified' : '🔔 Notify me';
      document.getElementById('going').textContent = String(e.going);
      toast(e.rsvped ? 'We will remind you 10 minutes before, and when it starts.' : 'No reminder for this one.');
    } catch (err) { fail(err); } finally { rsvp.disabled = false; }
  });

  document.getElementById('start-event')?.addEventListener('click', async (ev) => {
    ev.currentTarget.disabled = true;
    try {
      const created = await api('POST', `${base}/start`);
      go(`/r/${encodeURIComponent(created.room.id)}`);
    } catch (err) { fail(err); ev.currentTarget.disabled = false; }
  });

  const dialog = document.getElementById('cancel-dialog');
  document.getElementById('cancel-event')?.addEventListener('click', () => dialog.showModal());
  dialog?.addEventListener('close', async () => {
    if (dialog.returnValue !== 'cancel') return;
    try { await api('POST', `${base}/cancel`); refresh(); } catch (err) { fail(err); }
  });

  for (const b of main.querySelectorAll('[data-answer]')) {
    b.addEventListener('click', async () => {
      try {
        await api('POST', `${base}/cohost`, { accept: b.dataset.answer === 'true' });
        refresh();
      } catch (err) { fail(err); }
    });
  }

  const share = document.getElementById('share');
  share.addEventListener('click', async () => {
    const url = share.dataset.url;
    if (navigator.share) {
      try { await navigator.share({ title: document.title, url }); return; } catch { /* closed */ }
    }
    try { await navigator.clipboard.writeText(url); toast('Link copied'); } catch { toast(url); }
  });

  // a scheduled event may start while the page is open: look now and then
  if (page.dataset.state === 'scheduled') {
    const timer = setInterval(async () => {
      try {
        const e = await api('GET', base, undefined, { signal });
        if (e.state !== 'scheduled') refresh();
      } catch { /* offline for a moment: next time */ }
    }, 15000);
    signal.addEventListener('abort', () => clearInterval(timer));
  }
}
