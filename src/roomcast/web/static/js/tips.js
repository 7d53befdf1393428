// Tips to a speaker, in preset amounts, when they take payments: paid at Checkout (on the
// speaker's own account), counted when the payment provider confirms it. `where`: the live
// room's id ({ room_id }) or the episode's ({ episode_id }).
import { api } from './api.js';
import { el, toast } from './ui.js';

export async function tipRow(username, name, where) {
  let options;
  try { options = await api('GET', `/api/users/${encodeURIComponent(username)}/tip-options`); } catch { return null; }
  if (!options.presets.length) return null; // they take no tips
  return el('div', { class: 'tip-row', role: 'group', 'aria-label': `Tip ${name}` },
    el('span', { class: 'muted small', text: '💸 Tip' }),
    ...options.presets.map((amount, i) => el('button', { class: 'btn btn-small', type: 'button',
      'aria-label': `Tip ${name} ${options.presets_text[i]}`,
      onclick: async (e) => {
        const button = e.currentTarget;
        button.disabled = true;
        try {
          const { url } = await api('POST', '/api/tips', { username, amount, ...where });
          window.location.assign(url);
        } catch (err) { toast(err.message); button.disabled = false; }
      } }, options.presets_text[i])));
}
