// The app shell, loaded once per document. Turbo Drive (vendored, pinned) turns links into
// page swaps without a reload, so the room you are in (its socket and audio, held by
// room_session.js) and the mini-player (base.html, data-turbo-permanent) live on while you
// browse. Each page's module exports mount(main, signal): it runs on every visit to the page
// and the signal aborts when the page is swapped out.
import * as admin from './admin.js';
import * as auth from './auth.js';
import * as episode from './episode.js';
import * as hallway from './hallway.js';
import { startPlayer } from './player.js';
import * as profile from './profile.js';
import * as room from './room.js';
import * as settings from './settings.js';
import * as show from './show.js';

// Imported up front, not on demand: a page's buttons work from the moment it has loaded.
const PAGES = { admin, auth, episode, hallway, profile, room, settings, show };

let mounted = null; // the AbortController of the page on screen
let mountedBody = null; // Turbo swaps <body>: a new one is a new page

function unmount() {
  mounted?.abort();
  mounted = null;
}

function mount() {
  if (document.body === mountedBody) return; // the first load: mounted before it completed
  mountedBody = document.body;
  unmount();
  const main = document.getElementById('main');
  const name = main?.querySelector('[data-page]')?.dataset.page;
  if (!name || !PAGES[name]) return;
  mounted = new AbortController();
  PAGES[name].mount(main, mounted.signal);
}

document.addEventListener('turbo:before-render', unmount);
document.addEventListener('turbo:load', mount);
startPlayer();
mount(); // at once: Turbo's first turbo:load waits for every image of the page
// Turbo after the page: a room starts connecting without waiting for Turbo to load (a link
// followed in between is an ordinary page load, nothing lost)
import('../vendor/turbo/turbo.es2017-esm.js').then((Turbo) => {
  Turbo.config.forms.mode = 'off'; // our forms send JSON from their page's module
});
