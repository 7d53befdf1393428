// The local test provider's checkout (development only): Pay delivers what Stripe's
// webhook would, then goes where Stripe's Checkout would send the buyer back.
import { api } from './api.js';

export function mount(main, signal) {
  const page = main.querySelector('[data-page="pay-local"]');
  const error = document.getElementById('pay-error');
  for (const b of main.querySelectorAll('[data-outcome]')) {
    b.addEventListener('click', async () => {
      for (const other of main.querySelectorAll('[data-outcome]')) other.disabled = true;
      try {
        const { url } = await api('POST', `/api/pay/local/${encodeURIComponent(page.dataset.session)}/${b.dataset.outcome}`);
        window.location.assign(url);
      } catch (err) {
        error.textContent = err.message; error.hidden = false;
        for (const other of main.querySelectorAll('[data-outcome]')) other.disabled = false;
      }
    }, { signal });
  }
}
