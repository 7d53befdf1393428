// "Subscribe" on shows and episodes: the sheet that says how to add the feed to an app, and
// copies its link (never a page of raw XML).
import { toast } from './ui.js';

export function subscribeSheet() {
  const dialog = document.getElementById('subscribe-dialog');
  const copy = document.getElementById('copy-feed');
  if (!dialog || !copy) return;
  document.getElementById('subscribe')?.addEventListener('click', (e) => {
    e.preventDefault();
    dialog.showModal();
  });
  copy.addEventListener('click', async () => {
    const url = copy.dataset.feed;
    try {
      await navigator.clipboard.writeText(url);
      toast('Feed link copied: paste it into your podcast app');
    } catch {
      const input = document.getElementById('feed-url'); // clipboard blocked (http): select it
      input.focus();
      input.select();
      toast('Press Ctrl+C (⌘C) to copy the link');
    }
  });
}
