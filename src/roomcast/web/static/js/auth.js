// Sign in / sign up, then go where the person was heading.
import { api, formData } from './api.js';
import { browserZone, clearErrors, showErrors } from './ui.js';

// Only our own pages: `next` is resolved the way the browser would resolve it ("/\\x" and
// "//x" are other sites, "/\tx" too) and kept only if it stays on this origin.
function next() {
  const n = new URLSearchParams(location.search).get('next') || '/';
  let url;
  try {
    url = new URL(n, location.origin);
  } catch {
    return '/';
  }
  if (url.origin !== location.origin) return '/';
  return url.pathname + url.search + url.hash;
}

export function mount() {
  const form = document.getElementById('auth-form');
  const error = document.getElementById('auth-error');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    error.hidden = true;
    clearErrors(form);
    try {
      const body = formData(form);
      if (form.dataset.mode === 'signup') body.time_zone = browserZone(); // a guess; settings change it
      await api('POST', `/api/auth/${form.dataset.mode}`, body);
      location.href = next(); // a new document: signed in everywhere
    } catch (err) {
      showErrors(form, err, error);
      button.disabled = false;
    }
  });
}
