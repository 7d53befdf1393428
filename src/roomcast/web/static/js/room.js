// A room: who is on stage and in the audience, live; the audio; the host's controls.
import { api } from './api.js';
import { RoomAudio } from './audio.js';
import { reporter } from './report.js';
import { connectLive } from './live.js';
import { applyRoom, onStage } from './state.js';
import { avatar, el, linkified, me, plural, toast } from './ui.js';

const page = document.querySelector('.room');
const roomId = page.dataset.roomId;
const base = `/api/rooms/${encodeURIComponent(roomId)}`;
const $ = (id) => document.getElementById(id);
let snapshot = null;
let you = null;
let levels = {};

const ROLE_LABEL = { host: 'Host', moderator: 'Moderator', speaker: 'Speaker', listener: '' };
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

let rules = {}; // what each role may do, from the server (domain/permissions.py)
const mine = () => snapshot?.participants.find((p) => p.key === you);
// May I do `action` (to someone whose role is `target`; none: to myself)? The server decides;
// this only keeps the page from offering what it would refuse. Guests only listen.
function may(action, target = null) {
  const self = mine();
  if (!self || !self.user) return action === 'listen';
  const targets = rules[action]?.[self.role];
  if (targets === undefined) return false;
  return targets === null ? target === null : targets.includes(target);
}

// --- people ---------------------------------------------------------------------------------
// Names that look alike (the server's name_key, a Unicode UTS #39 skeleton) among the people
// here: those show their @username beside the name, so nobody passes for someone else.
let lookalikes = new Set();
function findLookalikes() {
  const ids = new Map();
  const users = [...snapshot.participants.map((p) => p.user), ...snapshot.chat.map((m) => m.author),
    ...snapshot.questions.map((q) => q.author)].filter(Boolean);
  for (const u of users) {
    if (!ids.has(u.name_key)) ids.set(u.name_key, new Set());
    ids.get(u.name_key).add(u.id);
  }
  lookalikes = new Set([...ids].filter(([, who]) => who.size > 1).map(([k]) => k));
}
const ambiguous = (u) => lookalikes.has(u.name_key);
const nameOf = (u) => (ambiguous(u) ? `${u.display_name} @${u.username}` : u.display_name);
const handle = (u) => (ambiguous(u) ? el('span', { class: 'handle', text: `@${u.username}` }) : null);

function control(text, label, onclick) {
  return el('button', { class: 'btn btn-small', type: 'button', 'aria-label': label, onclick }, text);
}

async function post(path, body) {
  try {
    return await api('POST', `${base}${path}`, body);
  } catch (err) {
    toast(err.message);
    return null;
  }
}

function person(p, size) {
  const u = p.user;
  const label = u ? nameOf(u) : 'Guest';
  const role = ROLE_LABEL[p.role];
  const face = u ? avatar(u, size) : el('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true', text: '🎧' });
  const muted = p.muted || p.muted_by_moderator;
  const badge = muted ? '🔇' : (p.hand_raised_at ? '✋' : '');
  const status = [role, muted ? 'muted' : '', p.hand_raised_at ? 'hand raised' : ''].filter(Boolean).join(', ');
  const body = [
    el('span', { class: 'face' }, face, badge ? el('span', { class: 'muted-badge', 'aria-hidden': 'true', text: badge }) : null),
    el('span', { class: 'name', text: u ? u.display_name : label }),
    u ? handle(u) : null,
    role ? el('span', { class: 'role', text: role }) : null,
  ];
  const timer = snapshot.room.timer?.key === p.key ? el('span', { class: 'turn', 'data-ends': snapshot.room.timer.ends_at, role: 'timer' }) : null;
  const li = el('li', { class: `person${p.key === you ? ' me' : ''}${levels[p.key] > 0.15 ? ' speaking' : ''}`,
    'data-key': p.key, 'data-role': p.role },
  u ? el('a', { href: `/u/${encodeURIComponent(u.username)}`, 'aria-label': status ? `${label}, ${status}` : label }, body) : body, timer);
  if (p.key !== you && personActions(p).length) {
    const quick = el('span', { class: 'quick' });
    if (may('invite_to_speak', p.role) && u && !p.invited) quick.append(control('Invite up', `Invite to stage: ${label}`, () => post('/invite', { key: p.key })));
    if (p.invited) quick.append(el('span', { class: 'small muted', text: 'Invited' }));
    if (may('move_to_audience', p.role)) quick.append(control('Move down', `Move to audience: ${label}`, () => post('/audience', { key: p.key })));
    quick.append(control('⋯', `More for ${label}`, () => openPerson(p)));
    li.append(quick);
  }
  return li;
}

function render() {
  findLookalikes();
  const people = snapshot.participants;
  const stage = people.filter(onStage).sort((a, b) => (a.role !== 'host') - (b.role !== 'host')); // host first
  const audience = people.filter((p) => !onStage(p));
  const handKey = (p) => p.hand_raised_at ?? '\uffff'; // ISO times sort as text; no hand last
  const byHand = (a, b) => (handKey(a) < handKey(b) ? -1 : handKey(a) > handKey(b) ? 1 : 0);
  const named = audience.filter((p) => p.user || p.key === you).sort(byHand); // hands first, in order
  const guests = audience.length - named.length;
  $('stage').replaceChildren(...stage.map((p) => person(p, 'lg')));
  const items = named.map((p) => person(p, 'md'));
  if (guests > 0) items.push(el('li', { class: 'guests', text: `+ ${plural(guests, 'guest', 'guests')}` }));
  $('audience').replaceChildren(...items);
  $('aud-count').textContent = audience.length ? String(audience.length) : '';
  $('aud-empty').hidden = audience.length > 0;
  $('end-room').hidden = !may('end_room') || snapshot.room.state !== 'live';
  const self = mine();
  const speaking = self && onStage(self);
  $('mic').hidden = !speaking;
  if (speaking) {
    $('mic').textContent = self.muted ? '🔇 Unmute' : '🎙️ Mute';
    $('mic').setAttribute('aria-pressed', String(self.muted));
    $('mic').classList.toggle('is-muted', self.muted);
  }
  $('step-down').hidden = !may('step_down');
  const hands = snapshot.room.settings.hand_raising && may('raise_hand');
  $('hand').hidden = !hands;
  if (hands) {
    const up = Boolean(self.hand_raised_at);
    $('hand').setAttribute('aria-pressed', String(up));
    $('hand').setAttribute('aria-label', up ? 'Lower hand' : 'Raise hand');
    $('hand').lastChild.textContent = up ? ' Lower hand' : ' Raise hand';
    $('hand').classList.toggle('is-on', up);
  }
  $('settings-btn').hidden = !may('edit_room');
  const recording = snapshot.room.settings.record && snapshot.room.state === 'live';
  $('rec-badge').hidden = !recording;
  $('invite-rec').hidden = !snapshot.room.settings.record;
  $('ended-episode').hidden = !snapshot.room.settings.record;
  const chapter = snapshot.room.chapter;
  $('chapter').hidden = !chapter;
  $('chapter-title').textContent = chapter || '';
  $('next-topic').hidden = !may('set_chapter') || snapshot.room.state !== 'live';
  $('topic-row').hidden = $('chapter').hidden && $('next-topic').hidden;
  if (speaking && self.muted_by_moderator) {
    $('mic').textContent = '🔇 Muted by a moderator';
    $('mic').disabled = true;
  } else {
    $('mic').disabled = false;
  }
  if (self?.invited && !$('invite-dialog').open) $('invite-dialog').showModal();
  if (!self?.invited && $('invite-dialog').open) $('invite-dialog').close();
  renderChat();
  renderQuestions();
  renderPolls();
  if (self) audio.setStage(speaking, self.muted || self.muted_by_moderator);
}

const REACTIONS = ['👏', '❤️', '😂', '🔥', '💯', '🙌', '👍', '🎉'];

function renderChat() {
  const self = mine();
  const staff = may('delete_message');
  $('chat-list').replaceChildren(...snapshot.chat.map((m) => {
    const mineMsg = me && m.author.id === me.id;
    return el('li', { class: `chat-msg${m.deleted ? ' deleted' : ''}`, 'data-id': m.id },
      avatar(m.author, 'xs'),
      el('div', { class: 'chat-body' },
        el('strong', { text: m.author.display_name }), handle(m.author) ? ' ' : '', handle(m.author), ' ',
        m.deleted ? el('span', { class: 'muted', text: 'message deleted' }) : el('span', {}, linkified(m.text))),
      !m.deleted && (mineMsg || staff)
        ? el('button', { class: 'btn btn-small chat-del', type: 'button', 'aria-label': `Delete message from ${nameOf(m.author)}`,
          onclick: () => api('DELETE', `${base}/chat/${m.id}`).catch((err) => toast(err.message)) }, '✕')
        : null);
  }));
  $('chat-empty').hidden = snapshot.chat.length > 0;
  const open = snapshot.room.settings.chat;
  const canChat = open && self && self.user;
  $('chat-form').hidden = !canChat;
  $('chat-note').hidden = canChat;
  $('chat-note').textContent = !open ? 'Chat is off in this room.' : 'Sign in to chat and react.';
  $('react-row').hidden = !(self && self.user);
  const pin = snapshot.room.pinned_link;
  $('pinned').hidden = !pin;
  if (pin) { $('pinned-link').href = pin; $('pinned-link').textContent = pin; }
}

function floatReaction({ key, emoji }) {
  const face = document.querySelector(`.person[data-key="${CSS.escape(key)}"] .face`);
  const box = face ? face.getBoundingClientRect() : { left: window.innerWidth / 2, top: window.innerHeight - 120, width: 0 };
  const bubble = el('span', { class: 'floating', text: emoji });
  bubble.style.left = `${box.left + box.width / 2}px`;
  bubble.style.top = `${box.top}px`;
  $('float-layer').append(bubble);
  setTimeout(() => bubble.remove(), 1800);
  const li = document.querySelector(`.person[data-key="${CSS.escape(key)}"]`);
  if (li) { li.dataset.reaction = emoji; setTimeout(() => { if (li.dataset.reaction === emoji) delete li.dataset.reaction; }, 1800); }
}

$('react-row').replaceChildren(...REACTIONS.map((emoji) => el('button', { class: 'btn btn-round react', type: 'button',
  'aria-label': `React ${emoji}`, onclick: () => post('/reactions', { emoji }) }, emoji)));

// --- tabs: chat, Q&A, polls ----------------------------------------------------------------------
const TABS = ['chat', 'qa', 'polls'];
function selectTab(name) {
  for (const t of TABS) {
    const on = t === name;
    $(`tab-${t}`).setAttribute('aria-selected', String(on));
    $(`tab-${t}`).tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
}
TABS.forEach((t, i) => {
  $(`tab-${t}`).addEventListener('click', () => selectTab(t));
  $(`tab-${t}`).addEventListener('keydown', (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    const next = TABS[(i + step + TABS.length) % TABS.length];
    selectTab(next);
    $(`tab-${next}`).focus();
  });
});

// --- Q&A ----------------------------------------------------------------------------------------
function renderQuestions() {
  const staff = may('answer_question');
  const signedIn = Boolean(me && mine()?.user);
  const ranked = [...snapshot.questions].sort((a, b) =>
    (a.answered - b.answered) || (b.voters.length - a.voters.length) || (a.id - b.id));
  $('qa-list').replaceChildren(...ranked.map((q) => {
    const voted = me && q.voters.includes(me.id);
    const asker = snapshot.participants.find((p) => p.user && p.user.id === q.author.id);
    return el('li', { class: `qa-item${q.answered ? ' answered' : ''}`, 'data-id': q.id },
      el('button', { class: 'btn btn-round upvote', type: 'button', 'aria-pressed': String(Boolean(voted)),
        'aria-label': `Upvote: ${q.text} (${q.voters.length})`, disabled: !signedIn || voted || undefined,
        onclick: () => post(`/questions/${q.id}/upvote`) }, '▲', el('span', { text: String(q.voters.length) })),
      el('div', { class: 'qa-text' }, q.text,
        el('span', { class: 'qa-meta', text: `${nameOf(q.author)}${q.answered ? ' · Answered' : ''}` })),
      staff ? el('span', { class: 'quick' },
        el('button', { class: 'btn btn-small', type: 'button', onclick: () => post(`/questions/${q.id}/answered`, { answered: !q.answered }) },
          q.answered ? 'Reopen' : 'Mark answered'),
        asker && may('invite_to_speak', asker.role) && !asker.invited
          ? el('button', { class: 'btn btn-small', type: 'button', 'aria-label': `Invite ${nameOf(q.author)} to speak`,
            onclick: () => post('/invite', { key: asker.key }) }, 'Invite up')
          : null) : null);
  }));
  $('qa-empty').hidden = snapshot.questions.length > 0;
  $('qa-form').hidden = !signedIn;
  const open = snapshot.questions.filter((q) => !q.answered).length;
  $('qa-count').textContent = open ? String(open) : '';
}

$('qa-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('qa-input');
  const text = input.value.trim();
  if (text && await post('/questions', { text })) input.value = '';
});

// --- polls --------------------------------------------------------------------------------------
function renderPolls() {
  const staff = may('run_poll');
  const signedIn = Boolean(me && mine()?.user);
  $('poll-list').replaceChildren(...[...snapshot.polls].reverse().map((poll) => {
    const voted = poll.mine !== null && poll.mine !== undefined; // votes are secret: only mine
    const total = poll.counts.reduce((a, b) => a + b, 0);
    const showResults = voted || poll.closed || !signedIn;
    const options = poll.options.map((text, i) => {
      if (!showResults) {
        return el('button', { class: 'btn btn-block', type: 'button', onclick: () => post(`/polls/${poll.id}/vote`, { option: i }) }, text);
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
      staff && !poll.closed ? el('button', { class: 'btn btn-small', type: 'button', onclick: () => post(`/polls/${poll.id}/close`) }, 'Close poll') : null);
  }));
  $('polls-empty').hidden = snapshot.polls.length > 0;
  $('poll-form').hidden = !staff;
  const open = snapshot.polls.filter((p) => !p.closed).length;
  $('polls-count').textContent = open ? String(open) : '';
}

$('poll-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target.elements;
  const options = f.options.value.split('\n').map((x) => x.trim()).filter(Boolean);
  if (await post('/polls', { question: f.question.value.trim(), options })) e.target.reset();
});

$('chat-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('chat-input');
  const text = input.value.trim();
  if (!text) return;
  if (await post('/chat', { text })) input.value = '';
});

// "Next topic": hosts and moderators name the topic; a recorded room gets a chapter there
$('next-topic').addEventListener('click', () => {
  $('topic-help').textContent = snapshot.room.settings.record
    ? 'Everyone sees it, and the episode gets a chapter here.'
    : 'Everyone sees it under the room\u2019s title.';
  $('topic-form').reset();
  $('topic-dialog').showModal();
});
$('topic-cancel').addEventListener('click', () => $('topic-dialog').close());
$('topic-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const title = e.target.elements.title.value.trim();
  if (!title) return;
  try {
    await api('PUT', `${base}/chapter`, { title });
    $('topic-dialog').close();
  } catch (err) {
    toast(err.message);
  }
});

function showLevels(next) {
  levels = next;
  for (const li of document.querySelectorAll('.person[data-key]')) {
    li.classList.toggle('speaking', (levels[li.dataset.key] || 0) > 0.15);
  }
}

function showEnded(reason) {
  audio.close();
  for (const id of ['room-body', 'room-bar', 'live-badge', 'rec-badge', 'conn', 'audio-state']) $(id).hidden = true;
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
    snapshot = msg.snapshot; you = msg.you; rules = msg.rules || {};
    $('replaced').hidden = true; $('room-body').hidden = false;
    render();
    // The server drops a participant's audio when their socket closes, so a reconnected
    // socket (a new snapshot) means a new audio connection too.
    audio.connect();
  },
  onUpdate: (u) => {
    snapshot = applyRoom(snapshot, u);
    if (u.type === 'room_ended') showEnded(u.reason);
    else if (u.type === 'participant_removed' && u.key === you) showRemoved(u.banned);
    else render();
  },
  onLevels: showLevels,
  onReaction: floatReaction,
  onState: (s) => {
    $('conn').hidden = s !== 'reconnecting';
    $('conn').textContent = s === 'reconnecting' ? 'Connection lost. Reconnecting…' : '';
  },
  onFinal: (code, msg) => {
    if (code === 4410) { showEnded(snapshot?.room.end_reason); return; }
    if (!$('removed').hidden) return; // already explained
    audio.close();
    if (code === 4409) { $('room-body').hidden = true; $('replaced').hidden = false; return; }
    $('conn').hidden = false;
    $('conn').textContent = msg?.message || 'You cannot join this room.';
    if (msg?.code === 'sign_in_required') {
      $('conn').append(' ', el('a', { href: `/login?next=${encodeURIComponent(location.pathname)}`, text: 'Sign in' }));
    }
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

$('step-down').addEventListener('click', () => post('/audience', { key: you }));
$('hand').addEventListener('click', () => post('/hand', { raised: !mine()?.hand_raised_at }));
$('invite-accept').addEventListener('click', () => post('/invite/answer', { accept: true }));
$('invite-decline').addEventListener('click', () => post('/invite/answer', { accept: false }));
$('invite-dialog').addEventListener('cancel', (e) => { e.preventDefault(); post('/invite/answer', { accept: false }); });

function showRemoved(banned) {
  audio.close();
  for (const id of ['room-body', 'room-bar', 'conn', 'audio-state', 'mic-state']) $(id).hidden = true;
  $('removed-title').textContent = banned ? 'You were banned from this host\u2019s rooms' : 'You were removed from this room';
  $('removed-why').textContent = banned ? '' : 'You cannot come back to it while it lasts.';
  $('removed').hidden = false;
}

// --- a person's sheet, for hosts and moderators --------------------------------------------------
// What I may do to this person, as buttons for their sheet (and whether to offer one).
function personActions(p) {
  const actions = [];
  const k = encodeURIComponent(p.key);
  const add = (text, path, body) => actions.push(el('button', { class: 'btn btn-block', type: 'button',
    onclick: async () => { $('person-dialog').close(); await post(path, body); } }, text));
  const timer = (text, key, seconds) => actions.push(el('button', { class: 'btn btn-block', type: 'button',
    onclick: async () => { $('person-dialog').close(); await putTimer(key, seconds); } }, text));
  if (may('invite_to_speak', p.role) && p.user && !p.invited) add('🎙️ Invite to speak', '/invite', { key: p.key });
  if (may('mute_other', p.role)) {
    add(p.muted_by_moderator ? '🔈 Allow to unmute' : '🔇 Mute', `/participants/${k}/mute`, { muted: !p.muted_by_moderator });
  }
  if (may('move_to_audience', p.role)) add('⬇️ Move to audience', '/audience', { key: p.key });
  if (may('make_moderator', p.role) && p.user) add('🛡️ Make moderator', `/participants/${k}/role`, { role: 'moderator' });
  if (may('unmake_moderator', p.role)) add('Remove as moderator', `/participants/${k}/role`, { role: 'speaker' });
  if (may('make_host', p.role) && p.user) add('👑 Make host', `/participants/${k}/role`, { role: 'host' });
  if (may('time_turn', p.role)) {
    if (snapshot.room.timer?.key === p.key) timer('⏹ Stop the timer', null);
    for (const seconds of [60, 120, 300]) timer(`⏱ ${seconds / 60} min turn`, p.key, seconds);
  }
  if (may('remove', p.role)) add('🚪 Remove from room', `/participants/${k}/remove`, { ban: false });
  if (may('ban', p.role)) {
    add(mine()?.role === 'host' ? '⛔ Ban from my rooms' : '⛔ Ban from the host\u2019s rooms', `/participants/${k}/remove`, { ban: true });
  }
  return actions;
}

function openPerson(p) {
  const label = p.user ? nameOf(p.user) : 'Guest';
  $('person-name').textContent = label;
  $('person-face').replaceChildren(p.user ? avatar(p.user, 'md') : el('span', { class: 'avatar avatar-md', text: '🎧' }));
  $('person-profile').hidden = !p.user;
  if (p.user) $('person-profile').href = `/u/${encodeURIComponent(p.user.username)}`;
  $('person-actions').replaceChildren(...personActions(p));
  $('person-dialog').showModal();
}

async function putTimer(key, seconds = 60) {
  try {
    await api('PUT', `${base}/timer`, { key, seconds });
  } catch (err) {
    toast(err.message);
  }
}

// Debate turns count down on the speaker's avatar; the server only says when the turn ends.
setInterval(() => {
  for (const t of document.querySelectorAll('.turn[data-ends]')) {
    const left = Math.max(0, Math.round((Date.parse(t.dataset.ends) - Date.now()) / 1000));
    t.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    t.classList.toggle('over', left === 0);
  }
}, 250);

// --- room settings (host) ------------------------------------------------------------------------
$('settings-btn').addEventListener('click', () => {
  const form = $('settings-form');
  for (const [name, value] of Object.entries(snapshot.room.settings)) {
    if (form.elements[name]) form.elements[name].checked = value;
  }
  form.elements.pinned.value = snapshot.room.pinned_link || '';
  $('settings-dialog').showModal();
});
$('settings-cancel').addEventListener('click', () => $('settings-dialog').close());
$('settings-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target.elements;
  try {
    await api('PUT', `${base}/settings`, { hand_raising: f.hand_raising.checked,
      speakers_join_muted: f.speakers_join_muted.checked, chat: f.chat.checked, record: f.record.checked,
      guests: f.guests.checked });
    const pinned = f.pinned.value.trim() || null;
    if (pinned !== (snapshot.room.pinned_link || null)) await api('PUT', `${base}/pin`, { url: pinned });
    $('settings-dialog').close();
    toast('Settings saved');
  } catch (err) {
    toast(err.message);
  }
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
    await api('POST', `${base}/end`);
  } catch (err) {
    toast(err.message);
  }
});

$('report-room')?.addEventListener('click', reporter({ room_id: roomId }));
