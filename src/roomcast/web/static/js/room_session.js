// The room you are in, for as long as the document lives: its socket, its audio and what the
// server says about it. The room page draws it and the mini-player shows it on other pages;
// both only listen to its events. One at a time: entering a room leaves the one before.
import { api } from './api.js';
import { RoomAudio } from './audio.js';
import { connectLive } from './live.js';
import { applyRoom, onStage } from './state.js';

const STORE = 'rc-room'; // sessionStorage: the room this tab was in, to offer "Rejoin" after a reload

// Events (CustomEvent, detail in brackets): 'change' [the update, or null for a snapshot],
// 'levels', 'reaction' [{key, emoji}], 'conn' [state], 'audio' [state], 'mic' [state],
// 'final' [{kind: 'ended'|'removed'|'replaced'|'refused'|'left', ...}]
export class RoomSession extends EventTarget {
  constructor({ id, title, iceServers = [] }) {
    super();
    this.id = id;
    this.title = title;
    this.snapshot = null;
    this.you = null;
    this.rules = {};
    this.hostGrace = 0;
    this.levels = {};
    this.conn = 'connecting';
    this.audioState = 'connecting';
    this.audioDetail = '';
    this.micState = 'mic-ok';
    this.final = null;
    this.audio = new RoomAudio(id, {
      element: document.getElementById('room-audio'),
      iceServers,
      onState: (state, detail) => {
        if (state.startsWith('mic-') || state === 'no-mic') {
          this.micState = state;
          this.emit('mic', state);
          this.reportMic(state !== 'mic-ok');
          return;
        }
        this.audioState = state;
        this.audioDetail = detail || '';
        this.emit('audio', state);
      },
    });
    this.live = null;
  }

  get path() { return `/api/rooms/${encodeURIComponent(this.id)}`; }
  get url() { return `/r/${encodeURIComponent(this.id)}`; }

  emit(type, detail = null) { this.dispatchEvent(new CustomEvent(type, { detail })); }
  on(type, fn, signal) { this.addEventListener(type, (e) => fn(e.detail), { signal }); }

  start() {
    sessionStorage.setItem(STORE, JSON.stringify({ id: this.id, title: this.title }));
    this.audio.prepare(); // the offer and ICE while the socket opens
    this.live = connectLive(`${this.path}/live`, {
      onSnapshot: (msg) => {
        this.snapshot = msg.snapshot;
        this.you = msg.you;
        this.rules = msg.rules || {};
        this.hostGrace = msg.host_grace_seconds || 0;
        this.title = this.snapshot.room.title;
        this.final = null;
        this.emit('change', null);
        // The server drops a participant's audio when their socket closes, so a reconnected
        // socket (a new snapshot) means a new audio connection too.
        this.audio.connect();
        this.follow();
      },
      onUpdate: (u) => {
        this.snapshot = applyRoom(this.snapshot, u);
        if (u.type === 'room_ended') this.finish({ kind: 'ended', reason: u.reason });
        else if (u.type === 'participant_removed' && u.key === this.you) this.finish({ kind: 'removed', banned: u.banned });
        else {
          this.follow();
          this.emit('change', u);
        }
      },
      onLevels: (levels) => { this.levels = levels; this.emit('levels', levels); },
      onReaction: (r) => this.emit('reaction', r),
      onTip: (t) => this.emit('tip', t),
      onState: (s) => { this.conn = s; this.emit('conn', s); },
      onFinal: (code, msg) => {
        if (code === 4410) this.finish({ kind: 'ended', reason: this.snapshot?.room.end_reason });
        else if (code === 4409) this.finish({ kind: 'replaced' }, false);
        else this.finish({ kind: 'refused', message: msg?.message || 'You cannot join this room.', code: msg?.code });
      },
    });
  }

  // The microphone follows the server's word on the stage (audio.js).
  follow() {
    const self = this.mine();
    const music = Boolean(this.snapshot?.room.settings.music);
    if (music !== this.audio.music) this.audio.setMusic(music); // before the microphone opens
    if (self) this.audio.setStage(onStage(self), self.muted || self.muted_by_moderator);
  }

  finish(final, forget = true) {
    if (this.final?.kind === 'removed') return; // already explained: the socket closing after it is no news
    this.final = final;
    this.audio.close();
    if (forget) sessionStorage.removeItem(STORE);
    this.emit('final', final);
  }

  // This window takes the room back from another one ("You're in this room in another window").
  takeOver() {
    this.final = null;
    this.audio.closed = false;
    sessionStorage.setItem(STORE, JSON.stringify({ id: this.id, title: this.title }));
    this.live?.restart();
  }

  // Leave on purpose: the server hears it at once (no reconnect grace).
  leave() {
    if (this.final) return;
    this.live?.close(true);
    this.finish({ kind: 'left' });
  }

  mine() { return this.snapshot?.participants.find((p) => p.key === this.you); }

  // Hosts see "mic blocked" on a speaker whose browser gives no microphone.
  reportMic(blocked) {
    const self = this.mine();
    if (!self?.user || Boolean(self.mic_blocked) === blocked || this.final) return;
    this.post('/mic', { blocked }).catch(() => {}); // best effort: the page says it anyway
  }

  // May I do `action` (to someone whose role is `target`; none: to myself)? The server decides
  // (domain/permissions.py); this only keeps the page from offering what it would refuse.
  may(action, target = null) {
    const self = this.mine();
    if (!self || !self.user) return action === 'listen'; // guests only listen
    const targets = this.rules[action]?.[self.role];
    if (targets === undefined) return false;
    return targets === null ? target === null : targets.includes(target);
  }

  // Who is talking now, loudest first (the mixer's levels), among the people on stage.
  talking() {
    if (!this.snapshot) return [];
    return this.snapshot.participants.filter((p) => onStage(p) && (this.levels[p.key] || 0) > 0.15)
      .sort((a, b) => this.levels[b.key] - this.levels[a.key]);
  }

  async post(path, body) { return api('POST', `${this.path}${path}`, body); }
}

let current = null;

export function currentSession() { return current; }

// The room this page wants: the one already running, or a new one (leaving any other first).
export function enterRoom(info) {
  if (current && current.id === info.id && !current.final) return current;
  if (current && !current.final) current.leave();
  current = new RoomSession(info);
  sessions.dispatchEvent(new CustomEvent('session', { detail: current }));
  current.start();
  return current;
}

// The room this tab was in before a reload, if it did not end or leave on purpose.
export function rememberedRoom() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) || 'null');
  } catch {
    return null;
  }
}
export function forgetRoom() { sessionStorage.removeItem(STORE); }

// 'session' events: a new RoomSession started (the mini-player follows the newest).
export const sessions = new EventTarget();
