// Follow / Following buttons (base.html's follow_button, or made here for the room's
// person sheet): aria-pressed says which, the server's answer says the counts.
import { api } from './api.js';
import { el, toast } from './ui.js';

async function toggle(button) {
  const username = button.dataset.follow;
  const following = button.getAttribute('aria-pressed') === 'true';
  button.disabled = true;
  try {
    const s = await api(following ? 'DELETE' : 'PUT', `/api/users/${encodeURIComponent(username)}/follow`);
    button.setAttribute('aria-pressed', String(s.you_follow));
    button.textContent = s.you_follow ? 'Following' : 'Follow';
    for (const n of document.querySelectorAll(`[data-followers="${CSS.escape(username)}"]`)) {
      n.textContent = String(s.followers);
    }
    if (s.you_follow) toast(`You'll hear when @${username} goes live or schedules a room.`);
  } catch (err) {
    toast(err.message);
  } finally {
    button.disabled = false;
  }
}

export function wireFollow(root, signal) {
  root.addEventListener('click', (e) => {
    const button = e.target.closest?.('button[data-follow]');
    if (button && root.contains(button)) toggle(button);
  }, { signal });
}

export function followButton(username, following) {
  return el('button', { class: 'btn follow-btn', type: 'button', 'data-follow': username, 'aria-label': `Follow @${username}`,
    'aria-pressed': String(following), text: following ? 'Following' : 'Follow' });
}
