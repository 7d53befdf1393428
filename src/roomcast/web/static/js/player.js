// The mini-player: the room you are in, on every other page (base.html keeps its element
// across page swaps). Title, who is talking, mute, hand, back to the room, leave; after a
// reload (the connection is gone, and browsers want a tap before sound) it offers "Rejoin".
import { leaveRoom } from './leaving.js';
import { currentSession, enterRoom, forgetRoom, rememberedRoom, sessions } from './room_session.js';
import { toast } from './ui.js';

const $ = (id) => document.getElementById(id);
const FINAL_TEXT = {
  ended: 'This room has ended.',
  removed: 'You were removed from this room.',
  replaced: 'You are in this room in another window.',
  refused: 'You cannot join this room.',
};
let session = null;
let watching = null; // aborts the listeners on the session shown

// On the room's own page the page itself shows the room: no mini-player there.
function onItsPage(id) {
  const page = document.querySelector('#main [data-page="room"]');
  return Boolean(page && page.dataset.roomId === id);
}

function render() {
  const box = $('mini-player');
  if (!box) return;
  const remembered = session ? null : rememberedRoom();
  const id = session?.id ?? remembered?.id;
  const shown = Boolean(id) && !onItsPage(id) && !session?.dismissed && session?.final?.kind !== 'left';
  box.hidden = !shown;
  document.body.classList.toggle('has-mini-player', shown);
  if (!shown) return;
  const final = session?.final;
  const self = session?.mine();
  $('mini-title').textContent = session?.title ?? remembered.title;
  $('mini-open').href = `/r/${encodeURIComponent(id)}`;
  $('mini-now').textContent = final ? FINAL_TEXT[final.kind] : (remembered ? 'Tap Rejoin to listen again' : nowText());
  box.dataset.state = final ? final.kind : (remembered ? 'gone' : session.audioState);
  $('mini-rejoin').hidden = !remembered;
  $('mini-dismiss').hidden = !remembered && !final;
  $('mini-leave').hidden = Boolean(remembered || final);
  const speaking = Boolean(!final && self && self.role !== 'listener');
  $('mini-mic').hidden = !speaking;
  if (speaking) {
    const locked = self.muted_by_moderator;
    const muted = self.muted || locked;
    $('mini-mic').disabled = locked;
    $('mini-mic').setAttribute('aria-pressed', String(muted));
    $('mini-mic').setAttribute('aria-label', locked ? 'Muted by a moderator' : muted ? 'Unmute' : 'Mute');
    $('mini-mic').firstChild.textContent = muted ? '🔇' : '🎙️';
    $('mini-mic').lastChild.textContent = locked ? 'Muted' : muted ? 'Unmute' : 'Mute';
  }
  const hand = Boolean(!final && session?.snapshot?.room.settings.hand_raising && session.may('raise_hand'));
  $('mini-hand').hidden = !hand;
  if (hand) {
    const up = Boolean(self.hand_raised_at);
    $('mini-hand').setAttribute('aria-pressed', String(up));
    $('mini-hand').lastChild.textContent = up ? 'Lower' : 'Raise';
    $('mini-hand').setAttribute('aria-label', up ? 'Lower hand' : 'Raise hand');
  }
}

function nowText() {
  if (session.conn === 'reconnecting' || session.audioState === 'reconnecting') return 'Reconnecting…';
  if (session.audioState === 'blocked') return 'Tap the room to listen';
  const talking = session.talking().map((p) => p.user?.display_name).filter(Boolean);
  if (talking.length) return `🔊 ${talking.slice(0, 2).join(', ')}${talking.length > 2 ? ` +${talking.length - 2}` : ''}`;
  const people = session.snapshot?.participants ?? [];
  const stage = people.filter((p) => p.role !== 'listener').length;
  return people.length ? `${stage} on stage · ${people.length - stage} listening` : 'Connecting…';
}

function show(next) {
  watching?.abort();
  session = next;
  watching = new AbortController();
  for (const type of ['change', 'levels', 'conn', 'audio']) session.on(type, render, watching.signal);
  // an end seen on the room's own page is told there: the mini-player has nothing to add
  session.on('final', () => { if (onItsPage(session.id)) session.dismissed = true; render(); }, watching.signal);
  render();
}

export function startPlayer() {
  sessions.addEventListener('session', (e) => show(e.detail));
  document.addEventListener('turbo:load', render);
  $('mini-mic').addEventListener('click', async () => {
    const self = session?.mine();
    if (!self) return;
    try { await session.post('/mute', { muted: !self.muted }); } catch (err) { toast(err.message); }
  });
  $('mini-hand').addEventListener('click', async () => {
    try { await session.post('/hand', { raised: !session.mine()?.hand_raised_at }); } catch (err) { toast(err.message); }
  });
  $('mini-leave').addEventListener('click', async () => { if (session) await leaveRoom(session); render(); });
  $('mini-dismiss').addEventListener('click', () => {
    forgetRoom();
    if (session) session.dismissed = true;
    render();
  });
  $('mini-rejoin').addEventListener('click', () => {
    const room = rememberedRoom();
    if (!room) return;
    const box = $('mini-player');
    enterRoom({ id: room.id, title: room.title, iceServers: JSON.parse(box.dataset.iceServers || '[]') });
  });
  if (currentSession()) show(currentSession());
  render();
}
