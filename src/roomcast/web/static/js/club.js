// A club's page: join or ask, leave, follow; start a room as the club; a member's private
// feed; its admins edit it, its images, or delete it.
import { ApiError, api, csrfToken } from './api.js';
import { wireClubForm } from './club_form.js';
import { startSheet } from './start_room.js';
import { go, refresh, toast } from './ui.js';

const $ = (id) => document.getElementById(id);

async function act(button, method, path, body, done) {
  button.disabled = true;
  try {
    const out = await api(method, path, body);
    done?.(out);
  } catch (err) {
    toast(err.message);
  } finally {
    button.disabled = false;
  }
}

async function upload(form, base, signal) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = form.querySelector('.form-error');
    const file = form.elements.image.files[0];
    const say = (m) => { error.textContent = m; error.hidden = !m; };
    say('');
    if (!file) { say('Choose an image first.'); return; }
    const res = await fetch(`${base}/images/${form.dataset.which}`, {
      method: 'PUT', body: file, credentials: 'same-origin',
      headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
    }).catch(() => null);
    if (!res) { say('Cannot reach the server. Check your connection.'); return; }
    const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
    if (!res.ok) { say(new ApiError(res.status, data).message); return; }
    toast('Image updated');
    refresh();
  }, { signal });
}

function feedSheet(base, signal) {
  const dialog = $('feed-dialog');
  const input = $('feed-url');
  $('private-feed')?.addEventListener('click', async () => {
    try {
      input.value = (await api('GET', `${base}/private-feed`)).url;
      dialog.showModal();
      input.select();
    } catch (err) { toast(err.message); }
  }, { signal });
  $('feed-copy')?.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(input.value).catch(() => {});
    toast('Copied. Paste it into your podcast app.');
  }, { signal });
  $('feed-renew')?.addEventListener('click', async () => {
    try {
      input.value = (await api('POST', `${base}/private-feed/renew`)).url;
      toast('A new address: the old one stopped working.');
    } catch (err) { toast(err.message); }
  }, { signal });
}

export function mount(main, signal) {
  const page = main.querySelector('[data-page="club"]');
  const base = `/api/clubs/${encodeURIComponent(page.dataset.handle)}`;
  const on = (id, handler) => $(id)?.addEventListener('click', handler, { signal });

  on('club-join', (e) => act(e.currentTarget, 'POST', `${base}/join`, { invite: page.dataset.invite || null }, (c) => {
    toast(c.role ? `Welcome to ${c.name}!` : 'Asked. The club\'s admins will answer.');
    go(`/c/${encodeURIComponent(c.handle)}`, 'replace');
  }));
  on('club-withdraw', (e) => act(e.currentTarget, 'DELETE', `${base}/join`, undefined, refresh));
  on('club-leave', (e) => {
    if (!confirm('Leave this club? Your private feed of it stops working.')) return;
    act(e.currentTarget, 'POST', `${base}/leave`, undefined, refresh);
  });
  on('club-follow', (e) => {
    const b = e.currentTarget;
    const following = b.getAttribute('aria-pressed') !== 'true';
    act(b, 'PUT', `${base}/follow`, { following }, (c) => {
      b.setAttribute('aria-pressed', String(c.following));
      b.textContent = c.following ? 'Following' : 'Follow';
      $('club-followers').textContent = String(c.followers);
    });
  });
  on('club-delete', (e) => {
    if (!confirm('Delete this club for everyone? Its live rooms end and its events are cancelled.')) return;
    act(e.currentTarget, 'DELETE', base, undefined, () => { toast('Club deleted'); go('/clubs'); });
  });
  const form = $('club-form');
  if (form) wireClubForm(form, signal);
  for (const f of main.querySelectorAll('form.image-form')) upload(f, base, signal);
  main.addEventListener('click', (e) => {
    const b = e.target.closest?.('button[data-remove]');
    if (b) act(b, 'DELETE', `${base}/images/${b.dataset.remove}`, undefined, refresh);
  }, { signal });
  startSheet(signal);
  feedSheet(base, signal);
}
