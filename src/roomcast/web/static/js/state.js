// Applying typed updates to snapshots: the same rules as roomcast/domain/updates.py.

function byJoin(a, b) {
  return a.joined_at === b.joined_at ? (a.key < b.key ? -1 : 1) : (a.joined_at < b.joined_at ? -1 : 1);
}

const CHAT_WINDOW = 50; // as domain/updates.py
const change = (snapshot, key, fields) => ({
  ...snapshot, participants: snapshot.participants.map((p) => (p.key === key ? { ...p, ...fields } : p)),
});

export function applyRoom(snapshot, u) {
  const others = snapshot.participants.filter((p) => p.key !== (u.participant?.key ?? u.key));
  switch (u.type) {
    case 'participant_joined':
      return { ...snapshot, participants: [...others, u.participant].sort(byJoin) };
    case 'participant_left':
    case 'participant_removed':
      return { ...snapshot, participants: others };
    case 'role_changed': // hand down, no invitation, and the microphone state it comes with
      return change(snapshot, u.key, { role: u.role, muted: u.muted, muted_by_moderator: u.muted_by_moderator,
        hand_raised_at: null, invited: false });
    case 'mute_changed':
      return change(snapshot, u.key, { muted: u.muted, muted_by_moderator: u.muted_by_moderator });
    case 'mic_blocked':
      return change(snapshot, u.key, { mic_blocked: u.blocked });
    case 'hand_changed':
      return change(snapshot, u.key, { hand_raised_at: u.raised_at });
    case 'invite_changed':
      return change(snapshot, u.key, { invited: u.invited });
    case 'settings_changed':
      return { ...snapshot, room: { ...snapshot.room, settings: u.settings } };
    case 'host_changed':
      return { ...snapshot, room: { ...snapshot.room, host: u.host, host_away_since: null } };
    case 'host_away':
      return { ...snapshot, room: { ...snapshot.room, host_away_since: u.since } };
    case 'chat_posted': {
      const chat = snapshot.chat.filter((m) => m.id !== u.message.id);
      chat.push(u.message);
      chat.sort((a, b) => a.id - b.id);
      return { ...snapshot, chat: chat.slice(-CHAT_WINDOW) };
    }
    case 'chat_deleted':
      return { ...snapshot, chat: snapshot.chat.map((m) => (m.id === u.id ? { ...m, text: '', deleted: true } : m)) };
    case 'question_asked': {
      const questions = snapshot.questions.filter((q) => q.id !== u.question.id);
      questions.push(u.question);
      return { ...snapshot, questions: questions.sort((a, b) => a.id - b.id) };
    }
    case 'question_voted':
      return { ...snapshot, questions: snapshot.questions.map((q) => (q.id === u.id && !q.voters.includes(u.voter) ? { ...q, voters: [...q.voters, u.voter] } : q)) };
    case 'question_answered':
      return { ...snapshot, questions: snapshot.questions.map((q) => (q.id === u.id ? { ...q, answered: u.answered } : q)) };
    case 'poll_opened': {
      const polls = snapshot.polls.filter((p) => p.id !== u.poll.id);
      polls.push(u.poll);
      return { ...snapshot, polls: polls.sort((a, b) => a.id - b.id) };
    }
    case 'poll_voted': // counts for everyone; `mine` only in the voter's own copy
      return { ...snapshot, polls: snapshot.polls.map((p) => (p.id === u.id
        ? { ...p, counts: u.counts, mine: u.mine ?? p.mine } : p)) };
    case 'poll_closed':
      return { ...snapshot, polls: snapshot.polls.map((p) => (p.id === u.id ? { ...p, closed: true } : p)) };
    case 'timer_changed':
      return { ...snapshot, room: { ...snapshot.room, timer: u.timer } };
    case 'chapter_changed':
      return { ...snapshot, room: { ...snapshot.room, chapter: u.title } };
    case 'link_pinned':
      return { ...snapshot, room: { ...snapshot.room, pinned_link: u.url } };
    case 'room_ended':
      return { ...snapshot, room: { ...snapshot.room, state: 'ended', ended_at: u.ended_at, end_reason: u.reason }, participants: [] };
    default:
      return snapshot; // a newer server may send update types this page does not know yet
  }
}

export function applyHallway(snapshot, u) {
  switch (u.type) {
    case 'room_changed': {
      const rooms = snapshot.rooms.filter((r) => r.id !== u.room.id);
      rooms.push(u.room);
      rooms.sort((a, b) => (a.started_at === b.started_at ? (a.id < b.id ? 1 : -1) : (a.started_at < b.started_at ? 1 : -1)));
      return { rooms };
    }
    case 'room_removed':
      return { rooms: snapshot.rooms.filter((r) => r.id !== u.room_id) };
    default:
      return snapshot;
  }
}

// The hallway ranked for a viewer, as domain/discovery.py ranks it: rooms with people they
// follow on stage, then their clubs', then their topics', then the rest; each by heat
// (people in the room, halved every two hours of its age), then id.
const HALF_LIFE_S = 2 * 3600;

export function hallwayTier(room, interests) {
  const onStage = [room.host, ...room.speakers].map((u) => u.id);
  if (onStage.some((id) => interests.followed.includes(id))) return 0;
  if (room.club && interests.clubs.includes(room.club.id)) return 1;
  if (interests.topics.includes(room.topic)) return 2;
  return 3;
}

export function heat(room, nowMs) {
  const people = room.listener_count + room.speaker_count;
  const started = room.started_at ? Date.parse(room.started_at) : nowMs;
  const age = Math.max((nowMs - started) / 1000, 0);
  return people * 0.5 ** (age / HALF_LIFE_S);
}

export function rankHallway(rooms, interests, nowMs) {
  const key = (r) => [hallwayTier(r, interests), -Math.round(heat(r, nowMs) * 1e6) / 1e6, r.id];
  const keyed = rooms.map((r) => [key(r), r]);
  keyed.sort(([a], [b]) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
  return keyed.map(([, r]) => r);
}

export const onStage = (p) => p.role !== 'listener';
