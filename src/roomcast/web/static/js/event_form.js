// Schedule (or edit) an event: the time is entered as a wall-clock time in a chosen zone
// (the browser's, at first) and the server turns it into UTC, refusing times that do not
// exist there (the hour skipped when clocks go forward).
import { api, formData } from './api.js';
import { wireTicketFields, ticketTerms } from './ticket_terms.js';
import { browserZone, clearErrors, go, showErrors } from './ui.js';

export function mount(main, signal) {
  const form = document.getElementById('event-form');
  const error = document.getElementById('event-form-error');
  const zone = form.elements.time_zone;
  const wanted = zone.dataset.current || (form.dataset.meZone !== 'UTC' ? form.dataset.meZone : browserZone());
  zone.value = wanted;
  if (zone.value !== wanted) zone.value = 'UTC';
  const id = form.dataset.eventId;
  if (!id && !form.elements.starts_at.value) {
    // a suggestion: the next round hour, in the chosen zone's wall clock (the browser's)
    const d = new Date(Date.now() + 60 * 60 * 1000);
    d.setMinutes(0, 0, 0);
    const pad = (n) => String(n).padStart(2, '0');
    form.elements.starts_at.value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`;
  }

  wireTicketFields(form, signal);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    error.hidden = true;
    const data = formData(form);
    const tickets = ticketTerms(form, data);
    const body = {
      ...data,
      ...(tickets ? { tickets } : {}),
      minutes: Number(data.minutes),
      record: form.elements.record.checked,
      cohosts: String(data.cohosts || '').split(/[\s,]+/).map((s) => s.replace(/^@/, '')).filter(Boolean),
    };
    const button = form.querySelector('[type=submit]');
    button.disabled = true;
    try {
      const saved = await api(id ? 'PUT' : 'POST', id ? `/api/events/${encodeURIComponent(id)}` : '/api/events', body);
      go(`/e/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      showErrors(form, err, error);
      button.disabled = false;
    }
  }, { signal });
}
