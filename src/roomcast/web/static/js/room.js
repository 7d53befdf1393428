// A room: who is on stage and in the audience, live; leave, share, and end (host).
import { api } from './api.js';
import { connectLive } from './live.js';
import { applyRoom, onStage } from './state.js';
import { avatar, el, me, plural, toast } from './ui.js';

const page = document.querySelector('.room');
const roomId = page.dataset.roomId;
const $ = (id) => document.getElementById(id);
let snapshot = null;
let you = null;

const ROLE_LABEL = { host: 'Host', speaker: 'Speaker', listener: '' };
const END_WHY = {
  host_ended: 'The host ended the room.',
  host_left: 'The host left and did not come back.',
  server_restart: 'The server restarted.',
};

function person(p, size) {
  const u = p.user;
  const label = u ? u.display_name : 'Guest';
  const li = el('li', { class: `person${p.key === you ? ' me' : ''}`, 'data-key': p.key, 'data-role': p.role },
    u ? el('a', { href: `/u/${encodeURIComponent(u.username)}`, 'aria-label': `${label}${ROLE_LABEL[p.role] ? ', ' + ROLE_LABEL[p.role] : ''}` },
      avatar(u, size), el('span', { class: 'name', text: label }),
      ROLE_LABEL[p.role] ? el('span', { class: 'role', text: ROLE_LABEL[p.role] }) : null)
      : [el('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true', text: '🎧' }), el('span', { class: 'name', text: label })]);
  return li;
}

function render() {
  const people = snapshot.participants;
  const stage = people.filter(onStage);
  const audience = people.filter((p) => !onStage(p));
  const named = audience.filter((p) => p.user || p.key === you);  // a guest sees themself
  const guests = audience.length - named.length;
  $('stage').replaceChildren(...stage.map((p) => person(p, 'lg')));
  const items = named.map((p) => person(p, 'md'));
  if (guests > 0) items.push(el('li', { class: 'guests', text: `+ ${plural(guests, 'guest', 'guests')}` }));
  $('audience').replaceChildren(...items);
  $('aud-count').textContent = audience.length ? String(audience.length) : '';
  $('aud-empty').hidden = audience.length > 0;
  const isHost = me && snapshot.room.host.id === me.id;
  $('end-room').hidden = !isHost || snapshot.room.state !== 'live';
}

function showEnded(reason) {
  $('room-body').hidden = true;
  $('room-bar').hidden = true;
  $('live-badge').hidden = true;
  $('conn').hidden = true;
  $('ended-why').textContent = END_WHY[reason] || '';
  $('ended').hidden = false;
}

const ended = page.dataset.state === 'ended';
if (ended) showEnded(page.dataset.endReason);

const live = ended ? null : connectLive(`/api/rooms/${encodeURIComponent(roomId)}/live`, {
  onSnapshot: (msg) => {
    snapshot = msg.snapshot; you = msg.you;
    $('replaced').hidden = true; $('room-body').hidden = false;
    render();
  },
  onUpdate: (u) => {
    snapshot = applyRoom(snapshot, u);
    if (u.type === 'room_ended') showEnded(u.reason); else render();
  },
  onState: (s) => {
    $('conn').hidden = s !== 'reconnecting';
    $('conn').textContent = s === 'reconnecting' ? 'Connection lost. Reconnecting…' : '';
  },
  onFinal: (code, msg) => {
    if (code === 4410) { showEnded(snapshot?.room.end_reason); return; }
    if (code === 4409) { $('room-body').hidden = true; $('replaced').hidden = false; return; }
    $('conn').hidden = false;
    $('conn').textContent = msg?.message || 'You cannot join this room.';
  },
});

$('rejoin').addEventListener('click', () => live?.restart());

$('leave').addEventListener('click', () => {
  live?.close(true);
  location.href = '/';
});

$('share').addEventListener('click', async () => {
  const url = page.dataset.shareUrl;
  try {
    if (navigator.share) await navigator.share({ title: $('room-title').textContent, url });
    else { await navigator.clipboard.writeText(url); toast('Link copied'); }
  } catch {
    toast(url);
  }
});

$('end-room').addEventListener('click', async () => {
  if (!confirm('End this room for everyone?')) return;
  try {
    await api('POST', `/api/rooms/${encodeURIComponent(roomId)}/end`);
  } catch (err) {
    toast(err.message);
  }
});
