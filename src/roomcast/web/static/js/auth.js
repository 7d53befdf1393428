// Sign in / sign up, then go where the person was heading.
import { api, formData } from './api.js';

const form = document.getElementById('auth-form');
const error = document.getElementById('auth-error');

function next() {
  const n = new URLSearchParams(location.search).get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';  // only our own pages
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  error.hidden = true;
  try {
    await api('POST', `/api/auth/${form.dataset.mode}`, formData(form));
    location.href = next();
  } catch (err) {
    error.textContent = err.retryAfter ? `${err.message} (${err.retryAfter} s)` : err.message;
    error.hidden = false;
    button.disabled = false;
  }
});
