// Tickets: the 🎟 box of a ticketed event or room (buy: a seat is held while the buyer pays
// at Checkout, a hosted page; a free code), the page Checkout returns to (it waits for the
// payment provider's confirmation: the browser's return alone issues nothing), and the
// buyer's list (the replay's private podcast feed).
import { api } from './api.js';
import { refresh, toast } from './ui.js';

export function wireSaleBox(main, signal) {
  const error = main.querySelector('#sale-error');
  const fail = (err) => { if (error) { error.textContent = err.message; error.hidden = false; } };
  for (const button of main.querySelectorAll('[data-buy]')) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const { url } = await api('POST', button.dataset.buy); // the event's or room's checkout
        window.location.assign(url); // Stripe's Checkout (or the test provider's page)
      } catch (err) { fail(err); button.disabled = false; }
    }, { signal });
  }
  const redeem = main.querySelector('#redeem-form');
  redeem?.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/tickets/redeem', { code: redeem.elements.code.value });
      toast('Your free ticket is in: welcome.');
      refresh();
    } catch (err) { fail(err); }
  }, { signal });
}

function waitForTicket(page, signal) {
  const id = page.dataset.ticketId;
  const status = document.getElementById('ticket-status');
  const next = document.getElementById('ticket-next');
  if (new URLSearchParams(location.search).get('checkout') === 'cancelled' && page.dataset.state === 'held') {
    api('POST', `/api/tickets/${encodeURIComponent(id)}/release`).then(() => {
      status.textContent = 'No payment was made; your seat was given back.';
    }).catch(() => {});
    return;
  }
  if (page.dataset.state !== 'held') return;
  let tries = 0;
  const poll = async () => {
    if (signal.aborted) return;
    try {
      const t = await api('GET', `/api/tickets/${encodeURIComponent(id)}`, undefined, { signal });
      if (t.valid) {
        status.textContent = '✓ Payment confirmed: you have a ticket.';
        next.hidden = false;
        next.focus();
        return;
      }
      if (t.state !== 'held') { status.textContent = 'No payment was made; your seat was given back.'; return; }
    } catch (err) { if (signal.aborted) return; }
    tries += 1;
    if (tries === 40) status.textContent = 'Still waiting for the payment provider… this page updates by itself.';
    setTimeout(poll, tries < 40 ? 1000 : 5000);
  };
  poll();
}

function wireFeeds(main, signal) {
  for (const button of main.querySelectorAll('[data-feed]')) {
    button.addEventListener('click', async () => {
      const box = button.closest('li').querySelector('.feed-url');
      try {
        const { url } = await api('POST', `/api/tickets/${encodeURIComponent(button.dataset.feed)}/feed`);
        const input = box.querySelector('input');
        input.value = url;
        box.hidden = false;
        input.select();
        try { await navigator.clipboard.writeText(url); toast('Feed address copied: paste it in your podcast app.'); } catch { /* shown, selected */ }
      } catch (err) { toast(err.message); }
    }, { signal });
  }
}

export function mount(main, signal) {
  wireSaleBox(main, signal);
  const ticket = main.querySelector('[data-page="ticket"]');
  if (ticket) waitForTicket(ticket, signal);
  wireFeeds(main, signal);
}
