// A creator's payments settings: set up (or finish) their payment account at the
// provider (Stripe's onboarding), which sends them back here.
import { api } from './api.js';

export function mount(main, signal) {
  const error = document.getElementById('payouts-error');
  const connect = document.getElementById('connect');
  connect?.addEventListener('click', async () => {
    connect.disabled = true;
    try {
      const { url } = await api('POST', '/api/me/payments/connect');
      window.location.assign(url);
    } catch (err) { error.textContent = err.message; error.hidden = false; connect.disabled = false; }
  }, { signal });
}
