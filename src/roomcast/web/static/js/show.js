// A show: subscribe (how to, and the feed link); its host edits the show and uploads cover art.
import { ApiError, api, csrfToken } from './api.js';
import { subscribeSheet } from './subscribe.js';
import { refresh, toast } from './ui.js';

const $ = (id) => document.getElementById(id);

function showError(id, message) {
  $(id).textContent = message;
  $(id).hidden = !message;
}

export function mount() {
  subscribeSheet();

  const form = $('show-form');
  if (form) {
  form.addEventListener('submit', async (e) => {
      e.preventDefault();
      showError('show-error', '');
      const f = form.elements;
      try {
        await api('PUT', '/api/me/show', {
          title: f.title.value, description: f.description.value, category: f.category.value,
          language: f.language.value.trim(), explicit: f.explicit.checked,
        });
        toast('Show saved');
        setTimeout(refresh, 500);
      } catch (err) {
        showError('show-error', err.message);
      }
    });

    $('artwork-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      showError('artwork-error', '');
      const file = e.target.elements.artwork.files[0];
      if (!file) { showError('artwork-error', 'Choose an image first.'); return; }
      const res = await fetch('/api/me/show/artwork', {
        method: 'PUT', body: file, credentials: 'same-origin',
        headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
      }).catch(() => null);
      if (!res) { showError('artwork-error', 'Cannot reach the server. Check your connection.'); return; }
      const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
      if (!res.ok) { showError('artwork-error', new ApiError(res.status, data).message); return; }
      toast('Cover updated');
      setTimeout(refresh, 500);
    });

    $('artwork-remove')?.addEventListener('click', async () => {
      try {
        await api('DELETE', '/api/me/show/artwork');
        refresh();
      } catch (err) {
        showError('artwork-error', err.message);
      }
    });
  }
}
