// The app shell, loaded once per document. Turbo Drive (vendored, pinned) turns links into
// page swaps without a reload, so the room you are in (its socket and audio, held by
// room_session.js) and the mini-player (base.html, data-turbo-permanent) live on while you
// browse. Each page's module exports mount(main, signal): it runs on every visit to the page
// and the signal aborts when the page is swapped out.
import { startNotices } from './notices.js';
import { startPlayer } from './player.js';
import { localTimes, me } from './ui.js';

// Each page also names its module in a <script type="module"> of its own, before this one
// (base.html's `page_module`): the browser then runs it before the page counts as loaded,
// so its buttons work from the first moment, and the import here finds it ready.
const PAGES = {
  admin: () => import('./admin.js'),
  auth: () => import('./auth.js'),
  club: () => import('./club.js'),
  club_form: () => import('./club_form.js'),
  club_members: () => import('./club_members.js'),
  episode: () => import('./episode.js'),
  event: () => import('./event.js'),
  event_form: () => import('./event_form.js'),
  hallway: () => import('./hallway.js'),
  notifications: () => import('./notifications.js'),
  'pay-local': () => import('./pay_local.js'),
  payouts: () => import('./payouts.js'),
  profile: () => import('./profile.js'),
  room: () => import('./room.js'),
  sale: () => import('./tickets.js'),
  sales: () => import('./sales.js'),
  settings: () => import('./settings.js'),
  show: () => import('./show.js'),
  ticket: () => import('./tickets.js'),
  tickets: () => import('./tickets.js'),
};

let mounted = null; // the AbortController of the page on screen
let mountedBody = null; // Turbo swaps <body>: a new one is a new page

function unmount() {
  mounted?.abort();
  mounted = null;
}

async function mount() {
  if (document.body === mountedBody) return; // the first load: mounted before it completed
  mountedBody = document.body;
  unmount();
  const controller = new AbortController();
  mounted = controller;
  const main = document.getElementById('main');
  localTimes(main);
  const name = main?.querySelector('[data-page]')?.dataset.page;
  if (!name || !PAGES[name]) return;
  const module = await PAGES[name]();
  if (controller.signal.aborted) return; // navigated on while the module loaded
  module.mount(main, controller.signal);
}

document.addEventListener('turbo:before-render', unmount);
document.addEventListener('turbo:load', mount);
startPlayer();
if (me) startNotices();
mount(); // at once: Turbo's first turbo:load waits for every image of the page
// Turbo after the page: a room starts connecting without waiting for Turbo to load (a link
// followed in between is an ordinary page load, nothing lost)
import('../vendor/turbo/turbo.es2017-esm.js').then((Turbo) => {
  Turbo.config.forms.mode = 'off'; // our forms send JSON from their page's module
});
