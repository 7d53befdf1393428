// Profile, password, notifications (zone, email, choices, calendar), bans and blocks, sign-out.
import { api, formData } from './api.js';
import { browserZone, clearErrors, el, refresh, showErrors, toast } from './ui.js';

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

function topics(signal) {
  const form = document.getElementById('topics-form');
  form.addEventListener('change', async () => {
    const chosen = [...form.elements.topic].filter((c) => c.checked).map((c) => c.value);
    try {
      await api('PUT', '/api/me/topics', { topics: chosen });
      toast(chosen.length ? 'Your hallway puts these first.' : 'No favourite topics.');
    } catch (err) {
      toast(err.message);
    }
  }, { signal });
}

export function mount(main, signal) {
  notifications(signal);
  topics(signal);
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

// --- notifications: time zone, email, what is told how, the calendar address -----------------
function notifications(signal) {
  const zoneForm = document.getElementById('zone-form');
  const zone = zoneForm.elements.time_zone;
  const guess = browserZone();
  const useBrowser = document.getElementById('zone-browser');
  if (guess !== zone.dataset.current && [...zone.options].some((o) => o.value === guess)) {
    useBrowser.hidden = false;
    useBrowser.textContent = `Use this device's: ${guess.replace(/_/g, ' ')}`;
    useBrowser.addEventListener('click', () => { zone.value = guess; zone.dispatchEvent(new Event('change')); });
  }
  zone.addEventListener('change', async () => {
    try {
      await api('PUT', '/api/me/time-zone', { time_zone: zone.value });
      zone.dataset.current = zone.value;
      useBrowser.hidden = zone.value === guess;
      toast(`Time zone: ${zone.value.replace(/_/g, ' ')}`);
    } catch (err) { toast(err.message); }
  }, { signal });

  const emailForm = document.getElementById('email-form');
  const emailError = document.getElementById('email-error');
  emailForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    emailError.hidden = true;
    clearErrors(emailForm);
    try {
      const c = await api('PUT', '/api/me/email', { email: emailForm.elements.email.value.trim() || null });
      document.getElementById('email-state').textContent = c.verified
        ? '✓ Confirmed.' : 'Check your inbox: open the link we sent to confirm this address.';
    } catch (err) { showErrors(emailForm, err, emailError); }
  }, { signal });
  document.getElementById('email-remove')?.addEventListener('click', async () => {
    try { await api('PUT', '/api/me/email', { email: null }); refresh(); } catch (err) { toast(err.message); }
  }, { signal });

  const prefs = document.getElementById('prefs-form');
  prefs.addEventListener('change', async (e) => {
    const [kind, channel] = e.target.name.split('.');
    try {
      await api('PUT', '/api/me/notifications/prefs', { prefs: { [kind]: { [channel]: e.target.checked } } });
      toast('Saved');
    } catch (err) { e.target.checked = !e.target.checked; toast(err.message); }
  }, { signal });

  const url = document.getElementById('calendar-url');
  const show = (c) => { url.value = c.url; document.getElementById('calendar-webcal').href = c.webcal_url; };
  api('GET', '/api/me/calendar', undefined, { signal }).then(show).catch(() => {});
  document.getElementById('calendar-copy').addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(url.value); toast('Calendar address copied'); } catch { url.select(); }
  }, { signal });
  document.getElementById('calendar-renew').addEventListener('click', async () => {
    try { show(await api('POST', '/api/me/calendar/renew')); toast('New address: subscribe again with it.'); } catch (err) { toast(err.message); }
  }, { signal });
}
