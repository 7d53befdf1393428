// A show: copy the feed link; its host edits the show and uploads cover art.
import { ApiError, api, csrfToken } from './api.js';
import { toast } from './ui.js';

const $ = (id) => document.getElementById(id);

$('copy-feed').addEventListener('click', async (e) => {
  const url = e.currentTarget.dataset.feed;
  try {
    await navigator.clipboard.writeText(url);
    toast('Feed link copied: paste it into your podcast app');
  } catch {
    window.prompt('Copy the feed link', url); // clipboard blocked (http, old browser)
  }
});

function showError(id, message) {
  $(id).textContent = message;
  $(id).hidden = !message;
}

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
      setTimeout(() => location.reload(), 500);
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
    setTimeout(() => location.reload(), 500);
  });

  $('artwork-remove')?.addEventListener('click', async () => {
    try {
      await api('DELETE', '/api/me/show/artwork');
      location.reload();
    } catch (err) {
      showError('artwork-error', err.message);
    }
  });
}
