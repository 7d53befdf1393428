// A host's sales page: refund one ticket or all, revoke a buyer's replay feed, make free
// ticket codes. Every action is checked by the server; this page only asks.
import { api } from './api.js';
import { refresh, toast } from './ui.js';

export function mount(main, signal) {
  const page = main.querySelector('[data-page="sales"]');
  const sale = encodeURIComponent(page.dataset.saleId);
  const error = document.getElementById('sales-error');
  const act = async (button, method, path, done) => {
    button.disabled = true;
    try { await api(method, path); toast(done); refresh(); } catch (err) {
      error.textContent = err.message; error.hidden = false; button.disabled = false;
    }
  };
  for (const b of main.querySelectorAll('[data-refund]')) {
    b.addEventListener('click', () => {
      if (confirm('Refund this ticket? Its holder loses access to the room and its replay.')) {
        act(b, 'POST', `/api/tickets/${encodeURIComponent(b.dataset.refund)}/refund`, 'Refunded.');
      }
    }, { signal });
  }
  for (const b of main.querySelectorAll('[data-revoke]')) {
    b.addEventListener('click', () => act(b, 'POST', `/api/tickets/${encodeURIComponent(b.dataset.revoke)}/revoke-feed`, 'Their replay feed is revoked.'), { signal });
  }
  const all = document.getElementById('refund-all');
  all?.addEventListener('click', () => {
    if (confirm('Refund every ticket? Nobody keeps access.')) act(all, 'POST', `/api/sales/${sale}/refund`, 'Everyone is refunded.');
  }, { signal });
  const codes = document.getElementById('codes-form');
  codes.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', `/api/sales/${sale}/codes`, { count: Number(codes.elements.count.value) });
      refresh();
    } catch (err) { error.textContent = err.message; error.hidden = false; }
  }, { signal });
}
