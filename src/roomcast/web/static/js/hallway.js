// The hallway: live rooms, updated as people come and go; and the "start a room" sheet.
import { api } from './api.js';
import { connectLive } from './live.js';
import { applyHallway, rankHallway } from './state.js';
import { startSheet } from './start_room.js';
import { avatar, el, plural, toast } from './ui.js';

const $ = (id) => document.getElementById(id);
let hallway = { rooms: [] };

function card(room) {
  const shown = room.speakers.slice(0, 3);
  return el('li', { 'data-room-id': room.id },
    el('a', { class: 'room-card', href: `/r/${encodeURIComponent(room.id)}` },
      el('div', { class: 'topic', text: [room.club?.name, room.topic, room.language].filter(Boolean).join(' · ') },
        room.visibility === 'members' ? el('span', { class: 'badge', text: '🔒 Members' }) : null,
        room.ticketed ? el('span', { class: 'badge', text: '🎟 Ticket' }) : null),
      el('h2', { text: room.title }),
      el('div', { class: 'who' },
        el('div', { class: 'stack' }, shown.length ? shown.map((u) => avatar(u, 'md')) : avatar(room.host, 'md')),
        el('ul', { class: 'names', 'aria-label': 'On stage' },
          (shown.length ? shown : [room.host]).map((u) => el('li', { text: u.display_name })),
          room.speaker_count > 3 ? el('li', { class: 'muted', text: `+${room.speaker_count - 3} more` }) : null)),
      el('div', { class: 'counts' },
        el('span', { class: 'listeners', text: `👥 ${plural(room.listener_count, 'listener', 'listeners')}` }),
        el('span', { text: `🎙 ${room.speaker_count}` }))));
}

// Ranked for this viewer as the server ranks it (domain/discovery.py, state.js).
let interests = { followed: [], clubs: [], topics: [] };

function render() {
  const ordered = rankHallway(hallway.rooms, interests, Date.now());
  $('rooms').replaceChildren(...ordered.map(card));
  $('rooms').setAttribute('aria-busy', 'false');
  $('empty').hidden = hallway.rooms.length > 0;
}

export function mount(main, signal) {
  interests = JSON.parse(main.querySelector('[data-page]').dataset.interests || 'null') || interests;
  const conn = $('conn');
  const live = connectLive('/api/hallway/live', {
    onSnapshot: (msg) => { hallway = msg.snapshot; render(); },
    onUpdate: (u) => { hallway = applyHallway(hallway, u); render(); },
    onState: (s) => {
      conn.hidden = s === 'live' || s === 'connecting';
      conn.textContent = s === 'reconnecting' ? 'Reconnecting…' : '';
    },
    onFinal: () => { conn.hidden = false; conn.textContent = 'Disconnected. Reload the page to try again.'; },
  });
  signal.addEventListener('abort', () => live.close(false));
  startSheet(signal);
  main.addEventListener('click', (e) => {
    const b = e.target.closest?.('button[data-rsvp]');
    if (b) rsvp(b);
  }, { signal });
}

async function rsvp(button) {
  const going = button.getAttribute('aria-pressed') !== 'true';
  button.disabled = true;
  try {
    const e = await api('PUT', `/api/events/${encodeURIComponent(button.dataset.rsvp)}/rsvp`, { going });
    button.setAttribute('aria-pressed', String(e.rsvped));
    button.textContent = e.rsvped ? '✓ Notifying' : '🔔 Notify me';
    toast(e.rsvped ? 'We will remind you 10 minutes before.' : 'No reminder for this one.');
  } catch (err) {
    toast(err.message);
  } finally {
    button.disabled = false;
  }
}
