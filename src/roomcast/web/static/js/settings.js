// Profile, password and sign-out.
import { api, formData } from './api.js';
import { toast } from './ui.js';

function bind(formId, errorId, method, path, done) {
  const form = document.getElementById(formId);
  const error = document.getElementById(errorId);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await api(method, path, formData(form));
      done(form);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
}

bind('profile-form', 'profile-error', 'PATCH', '/api/me', () => { toast('Profile saved'); setTimeout(() => location.reload(), 600); });
bind('password-form', 'password-error', 'POST', '/api/auth/password', (form) => { form.reset(); toast('Password changed'); });

document.getElementById('logout').addEventListener('click', async () => {
  await api('POST', '/api/auth/logout');
  location.href = '/';
});
