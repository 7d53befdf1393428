// A club's fields (templates/club_fields.html): create a club, or edit it from its page.
import { api, formData } from './api.js';
import { clearErrors, go, refresh, showErrors, toast } from './ui.js';

export function wireClubForm(form, signal) {
  const error = form.querySelector('.form-error');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    error.hidden = true;
    const button = form.querySelector('[type=submit]');
    button.disabled = true;
    const creating = form.dataset.mode === 'create';
    const handle = document.querySelector('[data-page="club"]')?.dataset.handle;
    try {
      const club = await api(creating ? 'POST' : 'PUT', creating ? '/api/clubs' : `/api/clubs/${encodeURIComponent(handle)}`, formData(form));
      if (creating) { go(`/c/${encodeURIComponent(club.handle)}`); return; }
      toast('Club saved');
      refresh();
    } catch (err) {
      showErrors(form, err, error);
      button.disabled = false;
    }
  }, { signal });
}

export function mount(main, signal) {
  wireClubForm(main.querySelector('#club-form'), signal);
}
