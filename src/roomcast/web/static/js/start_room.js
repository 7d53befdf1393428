// The "start a room" sheet (templates/start_dialog.html): in the hallway, and on a club's
// page, where a hidden field starts the room as the club.
import { api, formData } from './api.js';
import { ticketTerms, wireTicketFields } from './ticket_terms.js';
import { clearErrors, go, me, showErrors } from './ui.js';

const $ = (id) => document.getElementById(id);

export function startSheet(signal) {
  const dialog = $('start-dialog');
  const form = $('start-form');
  const error = $('start-error');
  const opener = $('start-room');
  if (!dialog || !opener) return;

  opener.addEventListener('click', () => {
    if (!me) { go(`/signup?next=${encodeURIComponent(location.pathname)}`); return; }
    error.hidden = true;
    clearErrors(form);
    dialog.showModal();
    $('room-title').select();
  }, { signal });
  wireTicketFields(form, signal);
  $('start-cancel').addEventListener('click', () => dialog.close(), { signal });
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); }, { signal });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = $('start-go');
    button.disabled = true;
    try {
      const data = formData(form);
      const tickets = ticketTerms(form, data);
      const body = { ...data, record: form.elements.record.checked, music: form.elements.music.checked,
        ...(tickets ? { tickets } : {}) };
      const created = await api('POST', '/api/rooms', body);
      go(`/r/${encodeURIComponent(created.room.id)}`);
    } catch (err) {
      showErrors(form, err, error);
      button.disabled = false;
    }
  }, { signal });
}
