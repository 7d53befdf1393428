// A profile: follow, block or unblock, report.
import { api } from './api.js';
import { wireFollow } from './follow.js';
import { reporter } from './report.js';
import { toast } from './ui.js';

export function mount(main, signal) {
  wireFollow(main, signal);
  const box = main.querySelector('.profile-actions');
  if (!box) return;
  const username = box.dataset.username;
  const block = document.getElementById('block');
  block.addEventListener('click', async () => {
    const blocked = block.dataset.blocked === 'true';
    try {
      await api(blocked ? 'DELETE' : 'POST', `/api/users/${encodeURIComponent(username)}/block`);
      block.dataset.blocked = String(!blocked);
      block.textContent = blocked ? 'Block' : 'Unblock';
      toast(blocked ? 'Unblocked' : 'Blocked: they cannot join your rooms, and you will not see each other\u2019s chat.');
    } catch (err) {
      toast(err.message);
    }
  });
  document.getElementById('report').addEventListener('click', reporter({ username }));
}
