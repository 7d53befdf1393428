// The admins' review queue: dismiss a report or suspend the reported account.
import { api } from './api.js';
import { el, toast } from './ui.js';

export function mount() {
  load().catch((err) => toast(err.message));
}

async function load() {
  const reports = await api('GET', '/api/admin/reports');
  document.getElementById('reports').replaceChildren(...reports.map((r) => {
    const about = r.user ? `@${r.user.username}` : `room ${r.room_id}`;
    const act = (action) => async () => {
      try {
        await api('POST', `/api/admin/reports/${r.id}/resolve`, { action });
        toast(action === 'suspend' ? `${about} suspended` : 'Dismissed');
        load();
      } catch (err) {
        toast(err.message);
      }
    };
    return el('li', { class: 'card admin-report', 'data-id': r.id },
      el('strong', { text: `About ${about}` }),
      el('span', { class: 'muted small', text: `from @${r.reporter.username} · ${new Date(r.created_at).toLocaleString()}` }),
      el('p', { text: r.reason }),
      r.room_id ? el('a', { href: `/r/${encodeURIComponent(r.room_id)}`, text: 'Open the room' }) : null,
      el('div', { class: 'profile-actions' },
        el('button', { class: 'btn btn-quiet', type: 'button', onclick: act('dismiss') }, 'Dismiss'),
        r.user ? el('button', { class: 'btn btn-danger', type: 'button', onclick: act('suspend') }, `Suspend @${r.user.username}`) : null));
  }));
  document.getElementById('no-reports').hidden = reports.length > 0;
}

