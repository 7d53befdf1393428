// A club's members: admins and moderators answer join requests, set roles, remove and ban;
// the invite link to copy or renew.
import { api } from './api.js';
import { refresh, toast } from './ui.js';

export function mount(main, signal) {
  const page = main.querySelector('[data-page="club_members"]');
  const base = `/api/clubs/${encodeURIComponent(page.dataset.handle)}`;
  const name = (b) => encodeURIComponent(b.closest('[data-username]').dataset.username);

  async function act(button, method, path, body, said) {
    button.disabled = true;
    try {
      await api(method, path, body);
      if (said) toast(said);
      refresh();
    } catch (err) {
      toast(err.message);
      button.disabled = false;
    }
  }

  main.addEventListener('click', (e) => {
    const b = e.target.closest?.('button');
    if (!b) return;
    if (b.dataset.answer) act(b, 'PUT', `${base}/requests/${name(b)}`, { approve: b.dataset.answer === 'approve' });
    else if (b.dataset.remove) {
      if (confirm(`Remove @${b.dataset.remove} from the club?`)) act(b, 'DELETE', `${base}/members/${name(b)}`, undefined, 'Removed');
    } else if (b.dataset.ban) {
      if (confirm(`Ban @${b.dataset.ban}? They leave, and cannot come back or hear the club's rooms.`)) act(b, 'PUT', `${base}/bans/${name(b)}`, undefined, 'Banned');
    } else if (b.dataset.unban) act(b, 'DELETE', `${base}/bans/${name(b)}`, undefined, 'Ban lifted');
    else if (b.id === 'invite-copy') {
      navigator.clipboard?.writeText(document.getElementById('invite-url').value).catch(() => {});
      toast('Invite link copied');
    } else if (b.id === 'invite-renew') {
      api('POST', `${base}/invite/renew`).then((l) => {
        document.getElementById('invite-url').value = l.url;
        toast('A new link: the old one stopped working.');
      }, (err) => toast(err.message));
    }
  }, { signal });
  main.addEventListener('change', async (e) => {
    const s = e.target.closest?.('select[data-role-of]');
    if (!s) return;
    try {
      await api('PUT', `${base}/members/${encodeURIComponent(s.dataset.roleOf)}/role`, { role: s.value });
      toast('Role changed');
    } catch (err) {
      toast(err.message);
      refresh();
    }
  }, { signal });
}
