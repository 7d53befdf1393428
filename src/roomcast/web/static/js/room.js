// A room: who is on stage and in the audience, live; the audio; the host's controls.
import { api } from './api.js';
import { RoomAudio } from './audio.js';
import { connectLive } from './live.js';
import { applyRoom, onStage } from './state.js';
import { avatar, el, me, plural, toast } from './ui.js';

const page = document.querySelector('.room');
const roomId = page.dataset.roomId;
const base = `/api/rooms/${encodeURIComponent(roomId)}`;
const $ = (id) => document.getElementById(id);
let snapshot = null;
let you = null;
let levels = {};

const ROLE_LABEL = { host: 'Host', speaker: 'Speaker', listener: '' };
const END_WHY = {
  host_ended: 'The host ended the room.',
  host_left: 'The host left and did not come back.',
  server_restart: 'The server restarted.',
};
const AUDIO_TEXT = {
  connecting: 'Connecting audio…',
  reconnecting: 'Audio connection lost. Reconnecting…',
  blocked: 'Your browser is waiting for a tap before it plays sound.',
  failed: 'Audio is not available in this room.',
  'mic-denied': 'Microphone blocked: allow it for this site to be heard.',
  'no-mic': 'No microphone found: plug one in to be heard.',
  full: 'This room is full. Try again later.',
};

const mine = () => snapshot?.participants.find((p) => p.key === you);
const iAmHost = () => mine()?.role === 'host';

// --- people ---------------------------------------------------------------------------------
function control(text, label, onclick) {
  return el('button', { class: 'btn btn-small', type: 'button', 'aria-label': label, onclick }, text);
}

async function moveTo(key, onStageNow) {
  try {
    await api('POST', `${base}/stage`, { key, on_stage: onStageNow });
  } catch (err) {
    toast(err.message);
  }
}

function person(p, size) {
  const u = p.user;
  const label = u ? u.display_name : 'Guest';
  const role = ROLE_LABEL[p.role];
  const face = u ? avatar(u, size) : el('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true', text: '🎧' });
  const status = [role, p.muted ? 'muted' : ''].filter(Boolean).join(', ');
  const body = [
    el('span', { class: 'face' }, face, p.muted ? el('span', { class: 'muted-badge', 'aria-hidden': 'true', text: '🔇' }) : null),
    el('span', { class: 'name', text: label }),
    role ? el('span', { class: 'role', text: role }) : null,
  ];
  const li = el('li', { class: `person${p.key === you ? ' me' : ''}${levels[p.key] > 0.15 ? ' speaking' : ''}`,
    'data-key': p.key, 'data-role': p.role },
  u ? el('a', { href: `/u/${encodeURIComponent(u.username)}`, 'aria-label': status ? `${label}, ${status}` : label }, body) : body);
  if (iAmHost() && p.key !== you && u) {
    if (p.role === 'listener') li.append(control('Invite up', `Invite to stage: ${label}`, () => moveTo(p.key, true)));
    else if (p.role === 'speaker') li.append(control('Move down', `Move to audience: ${label}`, () => moveTo(p.key, false)));
  }
  return li;
}

function render() {
  const people = snapshot.participants;
  const stage = people.filter(onStage).sort((a, b) => (a.role !== 'host') - (b.role !== 'host')); // host first
  const audience = people.filter((p) => !onStage(p));
  const named = audience.filter((p) => p.user || p.key === you); // a guest sees themself
  const guests = audience.length - named.length;
  $('stage').replaceChildren(...stage.map((p) => person(p, 'lg')));
  const items = named.map((p) => person(p, 'md'));
  if (guests > 0) items.push(el('li', { class: 'guests', text: `+ ${plural(guests, 'guest', 'guests')}` }));
  $('audience').replaceChildren(...items);
  $('aud-count').textContent = audience.length ? String(audience.length) : '';
  $('aud-empty').hidden = audience.length > 0;
  $('end-room').hidden = !(me && snapshot.room.host.id === me.id) || snapshot.room.state !== 'live';
  const self = mine();
  const speaking = self && onStage(self);
  $('mic').hidden = !speaking;
  if (speaking) {
    $('mic').textContent = self.muted ? '🔇 Unmute' : '🎙️ Mute';
    $('mic').setAttribute('aria-pressed', String(self.muted));
    $('mic').classList.toggle('is-muted', self.muted);
  }
  $('step-down').hidden = self?.role !== 'speaker';
  if (self) audio.setStage(speaking, self.muted);
}

function showLevels(next) {
  levels = next;
  for (const li of document.querySelectorAll('.person[data-key]')) {
    li.classList.toggle('speaking', (levels[li.dataset.key] || 0) > 0.15);
  }
}

function showEnded(reason) {
  audio.close();
  for (const id of ['room-body', 'room-bar', 'live-badge', 'conn', 'audio-state']) $(id).hidden = true;
  $('ended-why').textContent = END_WHY[reason] || '';
  $('ended').hidden = false;
}

// --- audio ----------------------------------------------------------------------------------
const audio = new RoomAudio(roomId, {
  element: $('room-audio'),
  iceServers: JSON.parse(page.dataset.iceServers || '[]'),
  onState: (state, detail) => {
    if (state === 'mic-denied' || state === 'no-mic' || state === 'mic-ok') {
      $('mic-state').hidden = state === 'mic-ok'; // the microphone, apart from the connection
      $('mic-state').textContent = AUDIO_TEXT[state] || '';
      return;
    }
    page.dataset.audio = state;
    $('audio-state').hidden = state === 'live';
    $('audio-text').textContent = detail || AUDIO_TEXT[state] || '';
    $('tap-to-listen').hidden = state !== 'blocked';
  },
});
$('tap-to-listen').addEventListener('click', () => audio.unblock());

// --- live state -----------------------------------------------------------------------------
const ended = page.dataset.state === 'ended';
if (ended) showEnded(page.dataset.endReason);

const live = ended ? null : connectLive(`${base}/live`, {
  onSnapshot: (msg) => {
    snapshot = msg.snapshot; you = msg.you;
    $('replaced').hidden = true; $('room-body').hidden = false;
    render();
    // The server drops a participant's audio when their socket closes, so a reconnected
    // socket (a new snapshot) means a new audio connection too.
    audio.connect();
  },
  onUpdate: (u) => {
    snapshot = applyRoom(snapshot, u);
    if (u.type === 'room_ended') showEnded(u.reason); else render();
  },
  onLevels: showLevels,
  onState: (s) => {
    $('conn').hidden = s !== 'reconnecting';
    $('conn').textContent = s === 'reconnecting' ? 'Connection lost. Reconnecting…' : '';
  },
  onFinal: (code, msg) => {
    if (code === 4410) { showEnded(snapshot?.room.end_reason); return; }
    audio.close();
    if (code === 4409) { $('room-body').hidden = true; $('replaced').hidden = false; return; }
    $('conn').hidden = false;
    $('conn').textContent = msg?.message || 'You cannot join this room.';
  },
});

$('rejoin').addEventListener('click', () => { audio.closed = false; live?.restart(); });

$('leave').addEventListener('click', () => {
  audio.close();
  live?.close(true);
  location.href = '/';
});

$('mic').addEventListener('click', async () => {
  const self = mine();
  if (!self) return;
  try {
    await api('POST', `${base}/mute`, { muted: !self.muted });
  } catch (err) {
    toast(err.message);
  }
});

$('step-down').addEventListener('click', () => moveTo(you, false));

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
    await api('POST', `${base}/end`);
  } catch (err) {
    toast(err.message);
  }
});
