// Applying typed updates to snapshots: the same rules as roomcast/domain/updates.py.

function byJoin(a, b) {
  return a.joined_at === b.joined_at ? (a.key < b.key ? -1 : 1) : (a.joined_at < b.joined_at ? -1 : 1);
}

export function applyRoom(snapshot, u) {
  const others = snapshot.participants.filter((p) => p.key !== (u.participant?.key ?? u.key));
  switch (u.type) {
    case 'participant_joined':
      return { ...snapshot, participants: [...others, u.participant].sort(byJoin) };
    case 'participant_left':
      return { ...snapshot, participants: others };
    case 'role_changed': // a new role starts unmuted, as on the server
      return { ...snapshot, participants: snapshot.participants.map((p) => (p.key === u.key ? { ...p, role: u.role, muted: false } : p)) };
    case 'mute_changed':
      return { ...snapshot, participants: snapshot.participants.map((p) => (p.key === u.key ? { ...p, muted: u.muted } : p)) };
    case 'room_ended':
      return { room: { ...snapshot.room, state: 'ended', ended_at: u.ended_at, end_reason: u.reason }, participants: [] };
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

export const onStage = (p) => p.role !== 'listener';
