// Profile, password, bans and blocks, and sign-out.
import { api, formData } from './api.js';
import { clearErrors, el, refresh, showErrors, toast } from './ui.js';

function bind(formId, errorId, method, path, done) {
  const form = document.getElementById(formId);
  const error = document.getElementById(errorId);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    clearErrors(form);
    try {
      await api(method, path, formData(form));
      done(form);
    } catch (err) {
      showErrors(form, err, error);
    }
  });
}

export function mount() {
  bind('profile-form', 'profile-error', 'PATCH', '/api/me', () => { toast('Profile saved'); setTimeout(refresh, 600); });
  bind('password-form', 'password-error', 'POST', '/api/auth/password', (form) => { form.reset(); toast('Password changed'); });
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/auth/logout');
    location.href = '/'; // a new document: signed out, out of any room
  });
  showBans().catch((err) => toast(err.message));
  showBlocks().catch((err) => toast(err.message));
}

// People kept out: bans from my rooms (lifted here) and people I blocked.
function row(text, sub, button, onclick) {
  return el('li', { class: 'list-row' },
    el('span', {}, el('strong', { text }), sub ? el('span', { class: 'muted small', text: ` ${sub}` }) : null),
    el('button', { class: 'btn btn-small', type: 'button', onclick }, button));
}

async function showBans() {
  const bans = await api('GET', '/api/me/bans');
  document.getElementById('bans').replaceChildren(...bans.map((b) => {
    const who = b.user ? `${b.user.display_name} @${b.user.username}` : 'A guest';
    const where = b.room_title ? `in “${b.room_title}”, ` : '';
    const when = new Date(b.banned_at).toLocaleDateString();
    return row(who, `(${where}${when})`, 'Lift ban', async () => {
      try { await api('DELETE', `/api/me/bans/${b.id}`); toast('Ban lifted'); showBans(); } catch (err) { toast(err.message); }
    });
  }));
  document.getElementById('no-bans').hidden = bans.length > 0;
}

async function showBlocks() {
  const blocked = await api('GET', '/api/me/blocks');
  document.getElementById('blocks').replaceChildren(...blocked.map((u) => row(u.display_name, `@${u.username}`, 'Unblock', async () => {
    try { await api('DELETE', `/api/users/${encodeURIComponent(u.username)}/block`); toast('Unblocked'); showBlocks(); } catch (err) { toast(err.message); }
  })));
  document.getElementById('no-blocks').hidden = blocked.length > 0;
}
