// The room page: who is on stage and in the audience, the conversation, the host's controls.
// It draws the RoomSession (room_session.js), which outlives the page: leaving for another
// page keeps you in the room, in the mini-player.
import { api } from './api.js';
import { followButton, wireFollow } from './follow.js';
import { tipRow } from './tips.js';
import { leaveRoom } from './leaving.js';
import { micHelp } from './mic_help.js';
import { reporter } from './report.js';
import { enterRoom } from './room_session.js';
import { onStage } from './state.js';
import { announce, avatar, el, go, linkified, me, plural, reconcile, toast } from './ui.js';

const $ = (id) => document.getElementById(id);
const ROLE_LABEL = { host: 'Host', moderator: 'Moderator', speaker: 'Speaker', listener: '' };
const ROLE_NEWS = { host: 'is the host now', moderator: 'is a moderator now', speaker: 'is on stage now', listener: 'left the stage' };
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
  full: 'This room is full. Try again later.',
};
const MIC_TEXT = {
  'mic-denied': 'Microphone blocked: nobody hears you until you allow it.',
  'no-mic': 'No microphone found: plug one in to be heard.',
};
const REACTIONS = ['👏', '❤️', '😂', '🔥', '💯', '🙌', '👍', '🎉'];
const DESKTOP = window.matchMedia('(min-width: 1000px)'); // the conversation sits beside the stage

export function mount(main, signal) {
  const page = main.querySelector('.room');
  const view = new RoomView(page, signal);
  if (new URLSearchParams(location.search).get('tip') === 'thanks') toast('Thank you: your tip is on its way.');
  if (page.dataset.state === 'ended') view.ended(page.dataset.endReason);
  else view.attach(enterRoom({ id: page.dataset.roomId, title: page.dataset.title,
    iceServers: JSON.parse($('mini-player').dataset.iceServers || '[]') }));
}

class RoomView {
  constructor(page, signal) {
    this.page = page;
    this.signal = signal;
    this.s = null;
    this.lookalikes = new Set();
    this.unread = 0;
    this.timers = [];
    signal.addEventListener('abort', () => this.timers.forEach(clearInterval));
    this.bindStatic();
  }

  attach(session) {
    this.s = session;
    const on = (type, fn) => session.on(type, fn, this.signal);
    on('change', (u) => this.changed(u));
    on('levels', () => this.showLevels());
    on('reaction', (r) => this.floatReaction(r));
    on('tip', (t) => { // "💸 Sam tipped Maya", for everyone in the room
      this.floatReaction({ key: t.speaker_key, emoji: '💸' });
      toast(`💸 ${t.giver} tipped ${t.speaker}`);
    });
    on('conn', () => this.showConn());
    on('audio', () => this.showAudio());
    on('mic', () => this.showMic());
    on('final', (f) => this.showFinal(f));
    this.showConn();
    this.showAudio();
    this.showMic();
    if (session.final) this.showFinal(session.final);
    else if (session.snapshot) this.render();
    this.timers.push(setInterval(() => this.tick(), 250));
  }

  get snap() { return this.s?.snapshot; }
  may(action, target = null) { return this.s.may(action, target); }
  mine() { return this.s.mine(); }

  async post(path, body) {
    try {
      return await this.s.post(path, body);
    } catch (err) {
      toast(err.message);
      return null;
    }
  }

  // --- what changed ------------------------------------------------------------------------
  changed(u) {
    if (u === null) { // a (new) snapshot
      $('replaced').hidden = true;
      $('room-body').hidden = false;
      $('room-bar').hidden = false;
    } else {
      this.news(u);
    }
    this.render();
  }

  // Short words for what changed: hosts hear about hands; everyone about the stage.
  news(u) {
    const who = this.snap.participants.find((p) => p.key === u.key);
    const name = who?.user ? this.nameOf(who.user) : 'A guest';
    if (u.type === 'hand_changed' && u.raised_at && u.key !== this.s.you && this.may('invite_to_speak', 'listener')) {
      toast(`✋ ${name} raised a hand`);
      announce(`${name} raised a hand`);
    } else if (u.type === 'role_changed' && who) {
      announce(u.key === this.s.you ? `You ${ROLE_NEWS[u.role].replace('is ', 'are ')}` : `${name} ${ROLE_NEWS[u.role]}`);
    } else if (u.type === 'chat_posted' && !this.convoVisible() && u.message.author.id !== me?.id) {
      this.unread += 1;
    } else if (u.type === 'host_away' && u.since) {
      announce('The host left. ' + this.hostAwayText());
    }
  }

  // --- people ------------------------------------------------------------------------------
  // Names that look alike (the server's name_key, a Unicode UTS #39 skeleton) among the people
  // here show their @username beside the name, so nobody passes for someone else.
  findLookalikes() {
    const ids = new Map();
    const users = [...this.snap.participants.map((p) => p.user), ...this.snap.chat.map((m) => m.author),
      ...this.snap.questions.map((q) => q.author)].filter(Boolean);
    for (const u of users) {
      if (!ids.has(u.name_key)) ids.set(u.name_key, new Set());
      ids.get(u.name_key).add(u.id);
    }
    this.lookalikes = new Set([...ids].filter(([, who]) => who.size > 1).map(([k]) => k));
  }

  ambiguous(u) { return this.lookalikes.has(u.name_key); }
  nameOf(u) { return this.ambiguous(u) ? `${u.display_name} @${u.username}` : u.display_name; }
  handle(u) { return this.ambiguous(u) ? el('span', { class: 'handle', text: `@${u.username}` }) : null; }

  person(p, size) {
    const u = p.user;
    const label = u ? this.nameOf(u) : 'Guest';
    const role = ROLE_LABEL[p.role];
    const face = u ? avatar(u, size) : el('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true', text: '🎧' });
    const muted = p.muted || p.muted_by_moderator;
    const micBlocked = p.mic_blocked && onStage(p);
    const badge = micBlocked ? '🚫' : muted ? '🔇' : (p.hand_raised_at ? '✋' : '');
    const status = [p.key === this.s.you ? 'you' : '', role, micBlocked ? 'microphone blocked' : muted ? 'muted' : '',
      p.hand_raised_at ? 'hand raised' : ''].filter(Boolean).join(', ');
    const timer = this.snap.room.timer?.key === p.key
      ? el('span', { class: 'turn', 'data-ends': this.snap.room.timer.ends_at, role: 'timer' }) : null;
    // the name is what it shows (the avatar is decoration), its state said in words after it
    const said = [micBlocked || !muted ? '' : 'muted', p.hand_raised_at ? 'hand raised' : ''] // "(you)" comes from the CSS
      .filter(Boolean).join(', ');
    const li = el('li', { class: `person${p.key === this.s.you ? ' me' : ''}`, 'data-key': p.key, 'data-role': p.role },
      el('button', { class: 'person-btn', type: 'button', title: status ? `${label}, ${status}` : label,
        onclick: () => this.openPerson(p) },
      el('span', { class: 'face' }, face, badge ? el('span', { class: 'muted-badge', 'aria-hidden': 'true', text: badge }) : null),
      el('span', { class: 'name', text: u ? u.display_name : label }),
      u ? this.handle(u) : null,
      micBlocked ? el('span', { class: 'role warn', text: 'Mic blocked' }) : role ? el('span', { class: 'role', text: role }) : null,
      said ? el('span', { class: 'sr-only', text: `, ${said}` }) : null),
      timer);
    if ((this.s.levels[p.key] || 0) > 0.15) li.classList.add('speaking');
    if (p.key !== this.s.you && u && this.may('invite_to_speak', p.role)) {
      li.append(p.invited
        ? el('span', { class: 'quick small muted', text: 'Invited' })
        : el('span', { class: 'quick' }, el('button', { class: 'btn btn-small', type: 'button', 'aria-label': `Invite to stage: ${label}`,
          onclick: () => this.post('/invite', { key: p.key }) }, 'Invite up')));
    }
    return li;
  }

  // What decides how a person is drawn: a node is rebuilt only when this changes.
  personSig(p) {
    const myRole = this.mine()?.role;
    return JSON.stringify([p, p.user && this.ambiguous(p.user), myRole, this.snap.room.timer?.key === p.key ? this.snap.room.timer.ends_at : null, this.s.you]);
  }

  render() {
    if (!this.snap) return;
    this.findLookalikes();
    const people = this.snap.participants;
    const stage = people.filter(onStage).sort((a, b) => (a.role !== 'host') - (b.role !== 'host')); // host first
    const audience = people.filter((p) => !onStage(p));
    const named = audience.filter((p) => p.user || p.key === this.s.you).sort(byHand); // hands first, in order
    const guests = audience.length - named.length;
    const sig = (p) => this.personSig(p);
    reconcile($('stage'), stage, (p) => p.key, (p) => this.person(p, 'lg'), sig);
    const rows = [...named, ...(guests > 0 ? [{ key: '+guests', guests }] : [])];
    reconcile($('audience'), rows, (p) => p.key,
      (p) => (p.guests ? el('li', { class: 'guests', text: `+ ${plural(p.guests, 'guest', 'guests')}` }) : this.person(p, 'md')),
      (p) => (p.guests ? String(p.guests) : sig(p)));
    $('aud-count').textContent = audience.length ? String(audience.length) : '';
    $('aud-empty').hidden = audience.length > 0;
    this.renderBar();
    this.renderHead();
    this.renderChat();
    this.renderQuestions();
    this.renderPolls();
    this.renderHands();
    const self = this.mine();
    if (self?.invited && !$('invite-dialog').open) $('invite-dialog').showModal();
    if (!self?.invited && $('invite-dialog').open) $('invite-dialog').close();
  }

  renderHead() {
    const room = this.snap.room;
    const live = room.state === 'live';
    $('room-title').textContent = room.title;
    $('rec-badge').hidden = !(room.settings.record && live);
    $('music-badge').hidden = !(room.settings.music && live);
    $('invite-rec').hidden = !room.settings.record;
    $('ended-episode').hidden = !room.settings.record;
    $('host-link').textContent = room.host.display_name;
    $('host-link').href = `/u/${encodeURIComponent(room.host.username)}`;
    $('chapter').hidden = !room.chapter;
    $('chapter-title').textContent = room.chapter || '';
    $('topic-row').hidden = !room.chapter;
    const pin = room.pinned_link;
    $('pinned').hidden = !pin;
    if (pin) { $('pinned-link').href = pin; $('pinned-link').textContent = pin; }
    this.tick();
  }

  renderBar() {
    const self = this.mine();
    const live = this.snap.room.state === 'live';
    const speaking = Boolean(self && onStage(self));
    const mic = $('mic');
    mic.hidden = !speaking;
    $('mic-note').hidden = !(speaking && self.muted_by_moderator);
    $('music-hint').hidden = !(speaking && live && this.snap.room.settings.music);
    if (speaking) {
      const locked = self.muted_by_moderator;
      const muted = self.muted || locked;
      mic.disabled = locked;
      mic.setAttribute('aria-pressed', String(muted));
      mic.setAttribute('aria-label', locked ? 'Muted by a moderator' : muted ? 'Unmute' : 'Mute');
      mic.title = locked ? 'A moderator muted you; they can allow you to unmute' : '';
      mic.firstChild.textContent = muted ? '🔇' : '🎙️';
      mic.lastChild.textContent = locked ? 'Muted' : muted ? 'Unmute' : 'Mute';
      mic.classList.toggle('is-muted', muted);
    }
    const hands = this.snap.room.settings.hand_raising && this.may('raise_hand');
    $('hand').hidden = !hands;
    if (hands) {
      const up = Boolean(self.hand_raised_at);
      $('hand').setAttribute('aria-pressed', String(up));
      $('hand').setAttribute('aria-label', up ? 'Lower hand' : 'Raise hand');
      $('hand').lastChild.textContent = up ? 'Lower' : 'Raise';
      $('hand').classList.toggle('is-on', up);
    }
    const staff = this.may('invite_to_speak', 'listener');
    $('hands-btn').hidden = !staff;
    $('end-room').hidden = !this.may('end_room') || !live;
    $('host-zone').hidden = $('end-room').hidden;
    $('settings-btn').hidden = !this.may('edit_room');
    $('next-topic').hidden = !this.may('set_chapter') || !live;
    $('step-down').hidden = !this.may('step_down');
    const anything = [...$('more-dialog').querySelectorAll('.menu button, #end-room')].some((b) => !b.hidden);
    $('more').hidden = !anything;
    this.showUnread();
  }

  // --- the conversation panel: a sheet from the bottom bar on phones, a column on desktops ---
  convoVisible() { return DESKTOP.matches || this.page.dataset.convo === 'open'; }

  openConvo(open) {
    this.page.dataset.convo = open ? 'open' : '';
    $('convo-open').setAttribute('aria-expanded', String(open));
    if (open) {
      this.unread = 0;
      this.showUnread();
      this.followChat(true);
      this.page.querySelector('.tab[aria-selected="true"]').focus();
    } else {
      $('convo-open').focus();
    }
  }

  showUnread() {
    const n = this.convoVisible() ? 0 : this.unread;
    $('unread').hidden = n === 0;
    $('unread').textContent = n > 99 ? '99+' : String(n);
    $('convo-open').setAttribute('aria-label', n ? `Chat, ${plural(n, 'new message', 'new messages')}` : 'Chat');
  }

  renderChat() {
    const self = this.mine();
    const staff = this.may('delete_message');
    const box = $('chat-scroll');
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    const before = $('chat-list').lastElementChild?.dataset.rk;
    reconcile($('chat-list'), this.snap.chat, (m) => m.id, (m) => {
      const mineMsg = me && m.author.id === me.id;
      return el('li', { class: `chat-msg${m.deleted ? ' deleted' : ''}`, 'data-id': m.id },
        avatar(m.author, 'xs'),
        el('div', { class: 'chat-body' },
          el('strong', { text: m.author.display_name }), this.handle(m.author) ? ' ' : '', this.handle(m.author), ' ',
          m.deleted ? el('span', { class: 'muted', text: 'message deleted' }) : el('span', {}, linkified(m.text))),
        !m.deleted && (mineMsg || staff)
          ? el('button', { class: 'btn btn-small chat-del', type: 'button', 'aria-label': `Delete message from ${this.nameOf(m.author)}`,
            onclick: () => api('DELETE', `${this.s.path}/chat/${m.id}`).catch((err) => toast(err.message)) }, '✕')
          : null);
    }, (m) => JSON.stringify([m, this.ambiguous(m.author), staff]));
    const last = this.snap.chat[this.snap.chat.length - 1];
    const fresh = last && String(last.id) !== before;
    if (fresh) this.followChat(atEnd || (me && last.author.id === me.id));
    $('chat-empty').hidden = this.snap.chat.length > 0;
    const open = this.snap.room.settings.chat;
    const canChat = open && self && self.user;
    $('chat-form').hidden = !canChat;
    $('chat-note').hidden = canChat;
    $('chat-note').replaceChildren(!open ? 'Chat is off in this room.'
      : el('a', { href: `/login?next=${encodeURIComponent(location.pathname)}`, text: 'Sign in to chat and react' }));
    $('react-row').hidden = !(self && self.user);
  }

  // The list follows new messages unless the reader scrolled up: then "New messages ↓".
  followChat(toEnd) {
    const box = $('chat-scroll');
    if (toEnd) {
      box.scrollTop = box.scrollHeight;
      $('chat-more').hidden = true;
    } else {
      $('chat-more').hidden = false;
    }
  }

  renderQuestions() {
    const staff = this.may('answer_question');
    const signedIn = Boolean(me && this.mine()?.user);
    const ranked = [...this.snap.questions].sort((a, b) =>
      (a.answered - b.answered) || (b.voters.length - a.voters.length) || (a.id - b.id));
    reconcile($('qa-list'), ranked, (q) => q.id, (q) => {
      const voted = me && q.voters.includes(me.id);
      const asker = this.snap.participants.find((p) => p.user && p.user.id === q.author.id);
      return el('li', { class: `qa-item${q.answered ? ' answered' : ''}`, 'data-id': q.id },
        el('button', { class: 'btn btn-round upvote', type: 'button', 'aria-pressed': String(Boolean(voted)),
          'aria-label': `Upvote: ${q.text} (${q.voters.length})`, disabled: !signedIn || voted || undefined,
          onclick: () => this.post(`/questions/${q.id}/upvote`) }, '▲', el('span', { text: String(q.voters.length) })),
        el('div', { class: 'qa-text' }, q.text,
          el('span', { class: 'qa-meta', text: `${this.nameOf(q.author)}${q.answered ? ' · Answered' : ''}` })),
        staff ? el('span', { class: 'quick' },
          el('button', { class: 'btn btn-small', type: 'button', onclick: () => this.post(`/questions/${q.id}/answered`, { answered: !q.answered }) },
            q.answered ? 'Reopen' : 'Mark answered'),
          asker && this.may('invite_to_speak', asker.role) && !asker.invited
            ? el('button', { class: 'btn btn-small', type: 'button', 'aria-label': `Invite ${this.nameOf(q.author)} to speak`,
              onclick: () => this.post('/invite', { key: asker.key }) }, 'Invite up')
            : null) : null);
    }, (q) => {
      const asker = this.snap.participants.find((p) => p.user && p.user.id === q.author.id);
      return JSON.stringify([q, staff, signedIn, asker?.role, asker?.invited, this.ambiguous(q.author)]);
    });
    $('qa-empty').hidden = this.snap.questions.length > 0;
    $('qa-form').hidden = !signedIn;
    const open = this.snap.questions.filter((q) => !q.answered).length;
    $('qa-count').textContent = open ? String(open) : '';
  }

  renderPolls() {
    const staff = this.may('run_poll');
    const signedIn = Boolean(me && this.mine()?.user);
    reconcile($('poll-list'), [...this.snap.polls].reverse(), (p) => p.id, (poll) => {
      const voted = poll.mine !== null && poll.mine !== undefined; // votes are secret: only mine
      const total = poll.counts.reduce((a, b) => a + b, 0);
      const showResults = voted || poll.closed || !signedIn;
      const options = poll.options.map((text, i) => {
        if (!showResults) {
          return el('button', { class: 'btn btn-block', type: 'button', onclick: () => this.post(`/polls/${poll.id}/vote`, { option: i }) }, text);
        }
        const pct = total ? Math.round((100 * poll.counts[i]) / total) : 0;
        const fill = el('span');
        fill.style.width = `${pct}%`;
        const chosen = poll.mine === i;
        return el('div', { class: `poll-option${chosen ? ' chosen' : ''}` },
          el('span', { text: chosen ? `✓ ${text}` : text }), el('strong', { text: `${poll.counts[i]} · ${pct}%` }),
          el('div', { class: 'bar', role: 'img', 'aria-label': `${text}: ${poll.counts[i]} votes, ${pct}%${chosen ? ', your vote' : ''}` }, fill));
      });
      return el('article', { class: 'poll', 'data-id': poll.id },
        el('h3', { text: poll.question }),
        ...options,
        el('p', { class: 'muted small', text: `${plural(total, 'vote', 'votes')}${poll.closed ? ' · Closed' : ''}` }),
        staff && !poll.closed ? el('button', { class: 'btn btn-small', type: 'button', onclick: () => this.post(`/polls/${poll.id}/close`) }, 'Close poll') : null);
    }, (p) => JSON.stringify([p, staff, signedIn]));
    $('polls-empty').hidden = this.snap.polls.length > 0;
    $('poll-form').hidden = !staff;
    const open = this.snap.polls.filter((p) => !p.closed).length;
    $('polls-count').textContent = open ? String(open) : '';
  }

  // --- hands: a count on the hosts' "Hands" button, and the queue in order -------------------
  renderHands() {
    const hands = this.snap.participants.filter((p) => p.hand_raised_at && p.user).sort(byHand);
    const n = hands.length;
    $('hands-count').hidden = n === 0;
    $('hands-count').textContent = String(n);
    $('hands-btn').setAttribute('aria-label', n ? `Hands, ${plural(n, 'raised hand', 'raised hands')}` : 'Hands, none raised');
    reconcile($('hands-list'), hands, (p) => p.key, (p) => {
      const label = this.nameOf(p.user);
      return el('li', { class: 'hand-row' }, avatar(p.user, 'sm'), el('span', { class: 'name', text: label }),
        el('span', { class: 'quick' },
          p.invited ? el('span', { class: 'small muted', text: 'Invited' })
            : el('button', { class: 'btn btn-small btn-primary', type: 'button', 'aria-label': `Invite ${label} to speak`,
              onclick: () => this.post('/invite', { key: p.key }) }, 'Invite'),
          el('button', { class: 'btn btn-small', type: 'button', 'aria-label': `Dismiss ${label}'s hand`,
            onclick: () => this.post(`/participants/${encodeURIComponent(p.key)}/hand/dismiss`) }, 'Dismiss')));
    }, (p) => JSON.stringify([p, this.ambiguous(p.user)]));
    $('hands-empty').hidden = n > 0;
  }

  // --- levels, reactions, timers --------------------------------------------------------------
  showLevels() {
    for (const li of this.page.querySelectorAll('.person[data-key]')) {
      li.classList.toggle('speaking', (this.s.levels[li.dataset.key] || 0) > 0.15);
    }
  }

  floatReaction({ key, emoji }) {
    const face = this.page.querySelector(`.person[data-key="${CSS.escape(key)}"] .face`);
    const box = face ? face.getBoundingClientRect() : { left: window.innerWidth / 2, top: window.innerHeight - 120, width: 0 };
    const bubble = el('span', { class: 'floating', text: emoji });
    bubble.style.left = `${box.left + box.width / 2}px`;
    bubble.style.top = `${box.top}px`;
    $('float-layer').append(bubble);
    setTimeout(() => bubble.remove(), 1800);
    const li = this.page.querySelector(`.person[data-key="${CSS.escape(key)}"]`);
    if (li) { li.dataset.reaction = emoji; setTimeout(() => { if (li.dataset.reaction === emoji) delete li.dataset.reaction; }, 1800); }
  }

  hostAwayText() {
    const since = this.snap?.room.host_away_since;
    if (!since) return '';
    const left = Math.max(0, Math.ceil((Date.parse(since) + this.s.hostGrace * 1000 - Date.now()) / 1000));
    const moderator = this.snap.participants.some((p) => p.role === 'moderator' && p.user);
    return moderator ? `A moderator becomes host in ${left} s unless they return.`
      : `The room ends in ${left} s unless they return.`;
  }

  // Every quarter second: debate turns count down on the speaker's avatar, and the host's
  // grace period under the title (the server says only when each ends).
  tick() {
    for (const t of this.page.querySelectorAll('.turn[data-ends]')) {
      const left = Math.max(0, Math.round((Date.parse(t.dataset.ends) - Date.now()) / 1000));
      t.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
      t.classList.toggle('over', left === 0);
    }
    const away = Boolean(this.snap?.room.host_away_since) && this.mine()?.role !== 'host';
    $('host-away').hidden = !away;
    if (away) $('host-away').textContent = `The host left. ${this.hostAwayText()}`;
  }

  // --- connection, audio and microphone states --------------------------------------------------
  showConn() {
    const s = this.s.conn;
    $('conn').hidden = s !== 'reconnecting';
    $('conn').textContent = s === 'reconnecting' ? 'Connection lost. Reconnecting…' : '';
  }

  showAudio() {
    const state = this.s.audioState;
    this.page.dataset.audio = state;
    $('audio-state').hidden = state === 'live';
    $('audio-text').textContent = this.s.audioDetail || AUDIO_TEXT[state] || '';
    $('tap-to-listen').hidden = state !== 'blocked';
  }

  showMic() {
    const state = this.s.micState;
    $('mic-state').hidden = state === 'mic-ok';
    $('mic-text').textContent = MIC_TEXT[state] || '';
    $('mic-help').textContent = state === 'mic-denied' ? micHelp(navigator.userAgent) : '';
    $('mic-retry').hidden = state === 'mic-ok';
  }

  showFinal(final) {
    if (final.kind === 'ended') this.ended(final.reason);
    else if (final.kind === 'removed') this.removed(final.banned);
    else if (final.kind === 'replaced') {
      $('room-body').hidden = true;
      $('replaced').hidden = false;
    } else if (final.kind === 'refused') {
      $('conn').hidden = false;
      $('conn').textContent = final.message;
      if (final.code === 'sign_in_required') {
        $('conn').append(' ', el('a', { href: `/login?next=${encodeURIComponent(location.pathname)}`, text: 'Sign in' }));
      }
    }
  }

  hideRoom() {
    for (const id of ['room-body', 'room-bar', 'live-badge', 'rec-badge', 'music-badge', 'conn', 'audio-state', 'mic-state', 'host-away', 'mic-note', 'music-hint', 'topic-row']) $(id).hidden = true;
    for (const d of this.page.querySelectorAll('dialog[open]')) d.close();
    this.timers.forEach(clearInterval);
    this.timers = [];
  }

  // An ended room: why, and its episode as soon as it is published (asked every few seconds).
  ended(reason) {
    this.hideRoom();
    $('ended-why').textContent = END_WHY[reason] || '';
    $('ended').hidden = false;
    if (this.page.dataset.record !== 'true' && !this.snap?.room.settings.record) return;
    const started = Date.now();
    const look = async () => {
      try {
        const ep = await api('GET', `/api/rooms/${encodeURIComponent(this.page.dataset.roomId)}/episode`);
        if (ep.status !== 'published' && ep.status !== 'unpublished') return; // still being made
        $('episode-link').href = `/episodes/${encodeURIComponent(ep.id)}`;
        $('episode-ready').hidden = false;
        $('ended-episode').hidden = true;
        announce('The episode is ready.');
        clearInterval(poll);
      } catch (err) {
        if (err.status !== 404 || Date.now() - started > 15 * 60_000) clearInterval(poll);
      }
    };
    const poll = setInterval(look, 3000);
    this.signal.addEventListener('abort', () => clearInterval(poll));
    look();
  }

  removed(banned) {
    this.hideRoom();
    $('removed-title').textContent = banned ? 'You were banned from this host\u2019s rooms' : 'You were removed from this room';
    $('removed-why').textContent = banned ? '' : 'You cannot come back to it while it lasts.';
    $('removed').hidden = false;
  }

  // --- a person's sheet: their profile, and what I may do to them, each said plainly --------
  personActions(p) {
    const actions = [];
    const k = encodeURIComponent(p.key);
    const add = (text, help, path, body) => actions.push(el('button', { class: 'btn btn-block menu-item', type: 'button',
      onclick: async () => { $('person-dialog').close(); await this.post(path, body); } },
    el('span', { text }), help ? el('small', { class: 'muted', text: help }) : null));
    const timer = (text, key, seconds) => actions.push(el('button', { class: 'btn btn-block', type: 'button',
      onclick: async () => { $('person-dialog').close(); await this.putTimer(key, seconds); } }, text));
    const host = this.mine()?.role === 'host';
    if (this.may('invite_to_speak', p.role) && p.user && !p.invited) add('🎙️ Invite to speak', '', '/invite', { key: p.key });
    if (this.may('dismiss_hand', p.role) && p.hand_raised_at) add('✋ Dismiss hand', '', `/participants/${k}/hand/dismiss`);
    if (this.may('mute_other', p.role)) {
      add(p.muted_by_moderator ? '🔈 Allow to unmute' : '🔇 Mute', p.muted_by_moderator ? '' : 'They cannot unmute until you allow it.',
        `/participants/${k}/mute`, { muted: !p.muted_by_moderator });
    }
    if (this.may('move_to_audience', p.role)) add('⬇️ Move to audience', '', '/audience', { key: p.key });
    if (this.may('make_moderator', p.role) && p.user) add('🛡️ Make moderator', 'They can invite, mute and remove people.', `/participants/${k}/role`, { role: 'moderator' });
    if (this.may('unmake_moderator', p.role)) add('Remove as moderator', '', `/participants/${k}/role`, { role: 'speaker' });
    if (this.may('make_host', p.role) && p.user) add('👑 Make host', 'You become a moderator.', `/participants/${k}/role`, { role: 'host' });
    if (this.may('time_turn', p.role)) {
      if (this.snap.room.timer?.key === p.key) timer('⏹ Stop the timer', null);
      for (const seconds of [60, 120, 300]) timer(`⏱ ${seconds / 60} min turn`, p.key, seconds);
    }
    if (this.may('remove', p.role)) {
      add('🚪 Remove from room', 'Out of this room until it ends; they can join other rooms.', `/participants/${k}/remove`, { ban: false });
    }
    if (this.may('ban', p.role)) {
      add(host ? '⛔ Ban from my rooms' : '⛔ Ban from the host\u2019s rooms',
        `Removed now, and kept out of every room ${host ? 'you host' : 'the host runs'} until the ban is lifted (in Settings).`,
        `/participants/${k}/remove`, { ban: true });
    }
    return actions;
  }

  openPerson(p) {
    const label = p.user ? this.nameOf(p.user) : 'Guest';
    $('person-name').textContent = label;
    $('person-role').textContent = [ROLE_LABEL[p.role] || 'Listener', p.key === this.s.you ? 'you' : ''].filter(Boolean).join(' · ');
    $('person-face').replaceChildren(p.user ? avatar(p.user, 'md') : el('span', { class: 'avatar avatar-md', text: '🎧' }));
    $('person-profile').hidden = !p.user;
    if (p.user) $('person-profile').href = `/u/${encodeURIComponent(p.user.username)}`;
    const follow = me && p.user && p.key !== this.s.you ? followButton(p.user.username, false) : null;
    if (follow) { // the server knows whether I follow them: ask, and draw it when it says
      follow.disabled = true;
      api('GET', `/api/users/${encodeURIComponent(p.user.username)}/follows`).then((st) => {
        follow.setAttribute('aria-pressed', String(st.you_follow));
        follow.textContent = st.you_follow ? 'Following' : 'Follow';
        follow.disabled = false;
      }).catch(() => follow.remove());
    }
    $('person-actions').replaceChildren(...[follow].filter(Boolean), ...(p.key === this.s.you ? [] : this.personActions(p)));
    if (me && p.user && p.role !== 'listener' && p.key !== this.s.you) this.offerTips(p.user);
    $('person-dialog').showModal();
  }

  async offerTips(user) { // someone on stage: preset tips, when they take payments
    const row = await tipRow(user.username, user.display_name, { room_id: this.snap.room.id });
    if (row) $('person-actions').append(row);
  }

  async putTimer(key, seconds = 60) {
    try {
      await api('PUT', `${this.s.path}/timer`, { key, seconds });
    } catch (err) {
      toast(err.message);
    }
  }

  // --- the page's own controls ----------------------------------------------------------------
  bindStatic() {
    const on = (id, type, fn) => $(id)?.addEventListener(type, fn);
    wireFollow($('person-dialog'), this.signal);
    on('tap-to-listen', 'click', () => this.s.audio.unblock());
    on('mic-retry', 'click', () => this.s.follow()); // allowed in the browser's settings: ask again
    on('rejoin', 'click', () => this.s.takeOver());
    on('leave', 'click', async () => { if (await leaveRoom(this.s)) go('/'); });
    on('mic', 'click', () => { const self = this.mine(); if (self) this.post('/mute', { muted: !self.muted }); });
    on('hand', 'click', () => this.post('/hand', { raised: !this.mine()?.hand_raised_at }));
    on('hands-btn', 'click', () => $('hands-dialog').showModal());
    on('more', 'click', () => $('more-dialog').showModal());
    on('step-down', 'click', () => { $('more-dialog').close(); this.post('/audience', { key: this.s.you }); });
    on('invite-accept', 'click', () => this.post('/invite/answer', { accept: true }));
    on('invite-decline', 'click', () => this.post('/invite/answer', { accept: false }));
    on('invite-dialog', 'cancel', (e) => { e.preventDefault(); this.post('/invite/answer', { accept: false }); });
    on('convo-open', 'click', () => this.openConvo(this.page.dataset.convo !== 'open'));
    on('convo-close', 'click', () => this.openConvo(false));
    document.addEventListener('keydown', (e) => { // Escape closes the sheet (dialogs close themselves first)
      if (e.key === 'Escape' && this.page.dataset.convo === 'open' && !DESKTOP.matches
        && !this.page.querySelector('dialog[open]')) this.openConvo(false);
    }, { signal: this.signal });
    on('chat-scroll', 'scroll', () => {
      const box = $('chat-scroll');
      if (box.scrollHeight - box.scrollTop - box.clientHeight < 48) $('chat-more').hidden = true;
    });
    on('chat-more', 'click', () => this.followChat(true));
    DESKTOP.addEventListener('change', () => this.showUnread(), { signal: this.signal });

    $('react-row').replaceChildren(...REACTIONS.map((emoji) => el('button', { class: 'btn btn-round react', type: 'button',
      'aria-label': `React ${emoji}`, onclick: () => this.post('/reactions', { emoji }) }, emoji)));

    const tabs = ['chat', 'qa', 'polls'];
    const select = (name) => {
      for (const t of tabs) {
        const chosen = t === name;
        $(`tab-${t}`).setAttribute('aria-selected', String(chosen));
        $(`tab-${t}`).tabIndex = chosen ? 0 : -1;
        $(`panel-${t}`).hidden = !chosen;
      }
      if (name === 'chat') this.followChat(true);
    };
    tabs.forEach((t, i) => {
      on(`tab-${t}`, 'click', () => select(t));
      on(`tab-${t}`, 'keydown', (e) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
        if (!step) return;
        const next = tabs[(i + step + tabs.length) % tabs.length];
        select(next);
        $(`tab-${next}`).focus();
      });
    });

    const submitText = (formId, inputId, path) => on(formId, 'submit', async (e) => {
      e.preventDefault();
      const input = $(inputId);
      const text = input.value.trim();
      if (!text) return;
      input.value = ''; // at once: the next message can be typed while this one is sent
      if (!await this.post(path, { text }) && !input.value) input.value = text; // refused: keep it
    });
    submitText('chat-form', 'chat-input', '/chat');
    submitText('qa-form', 'qa-input', '/questions');
    on('poll-form', 'submit', async (e) => {
      e.preventDefault();
      const f = e.target.elements;
      const options = f.options.value.split('\n').map((x) => x.trim()).filter(Boolean);
      if (await this.post('/polls', { question: f.question.value.trim(), options })) e.target.reset();
    });

    // "Next topic": hosts and moderators name the topic; a recorded room gets a chapter there
    on('next-topic', 'click', () => {
      $('more-dialog').close();
      $('topic-help').textContent = this.snap.room.settings.record
        ? 'Everyone sees it, and the episode gets a chapter here.'
        : 'Everyone sees it under the room\u2019s title.';
      $('topic-form').reset();
      $('topic-dialog').showModal();
    });
    on('topic-cancel', 'click', () => $('topic-dialog').close());
    on('topic-form', 'submit', async (e) => {
      e.preventDefault();
      const title = e.target.elements.title.value.trim();
      if (!title) return;
      try {
        await api('PUT', `${this.s.path}/chapter`, { title });
        $('topic-dialog').close();
      } catch (err) {
        toast(err.message);
      }
    });

    on('settings-btn', 'click', () => {
      $('more-dialog').close();
      const form = $('settings-form');
      for (const [name, value] of Object.entries(this.snap.room.settings)) {
        if (form.elements[name]) form.elements[name].checked = value;
      }
      form.elements.pinned.value = this.snap.room.pinned_link || '';
      $('settings-dialog').showModal();
    });
    on('settings-cancel', 'click', () => $('settings-dialog').close());
    on('settings-form', 'submit', async (e) => {
      e.preventDefault();
      const f = e.target.elements;
      try {
        await api('PUT', `${this.s.path}/settings`, { hand_raising: f.hand_raising.checked,
          speakers_join_muted: f.speakers_join_muted.checked, chat: f.chat.checked, record: f.record.checked,
          guests: f.guests.checked, music: f.music.checked });
        const pinned = f.pinned.value.trim() || null;
        if (pinned !== (this.snap.room.pinned_link || null)) await api('PUT', `${this.s.path}/pin`, { url: pinned });
        $('settings-dialog').close();
        toast('Settings saved');
      } catch (err) {
        toast(err.message);
      }
    });

    on('share', 'click', async () => {
      const url = this.page.dataset.shareUrl;
      try {
        if (navigator.share) await navigator.share({ title: $('room-title').textContent, url });
        else { await navigator.clipboard.writeText(url); toast('Link copied'); }
      } catch {
        toast(url);
      }
    });

    // "End room" lives in the host's menu and asks first; one request however often it is pressed.
    on('end-room', 'click', () => { $('more-dialog').close(); $('end-dialog').showModal(); });
    on('end-confirm', 'click', async (e) => {
      const button = e.currentTarget;
      if (button.disabled) return;
      button.disabled = true;
      try {
        await this.s.post('/end');
        $('end-dialog').close();
      } catch (err) {
        toast(err.message);
      } finally {
        button.disabled = false;
      }
    });
    if ($('report-room')) {
      const report = reporter({ room_id: this.page.dataset.roomId });
      on('report-room', 'click', () => { $('more-dialog').close(); report(); });
    }
  }
}

const handKey = (p) => p.hand_raised_at ?? '\uffff'; // ISO times sort as text; no hand last
function byHand(a, b) { return handKey(a) < handKey(b) ? -1 : handKey(a) > handKey(b) ? 1 : 0; }
