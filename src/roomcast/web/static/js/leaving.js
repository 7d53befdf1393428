// Leaving a room well: a host with people still there is asked to hand the room on (to a
// moderator or speaker) or to end it; anyone else just goes. The server keeps the rules:
// a host who only drops gets a grace period, then a moderator takes over or the room ends.
import { api } from './api.js';
import { el, toast } from './ui.js';

const $ = (id) => document.getElementById(id);

// Resolves true when the person left (or ended the room), false when they stayed.
export async function leaveRoom(session) {
  const self = session.mine();
  const others = session.snapshot?.participants.filter((p) => p.key !== session.you) ?? [];
  if (self?.role !== 'host' || others.length === 0) {
    session.leave();
    return true;
  }
  const choice = await askHost(session, others);
  if (choice === 'stay') return false;
  try {
    if (choice === 'end') await session.post('/end');
    else if (choice !== 'leave') await api('POST', `${session.path}/participants/${encodeURIComponent(choice)}/role`, { role: 'host' });
  } catch (err) {
    toast(err.message);
    return false;
  }
  session.leave();
  session.dismissed = true; // gone on purpose: nothing for the mini-player to say
  return true;
}

// The hand-over sheet (base.html's #leave-dialog): one button per heir, End, Leave anyway.
function askHost(session, others) {
  const dialog = $('leave-dialog');
  const heirs = others.filter((p) => p.user && (p.role === 'moderator' || p.role === 'speaker'))
    .sort((a, b) => (a.role !== 'moderator') - (b.role !== 'moderator'));
  const moderator = others.some((p) => p.user && p.role === 'moderator');
  const grace = Math.round(session.hostGrace);
  $('leave-heirs').replaceChildren(...heirs.map((p) => el('button', { class: 'btn btn-block', type: 'button', value: p.key,
    'data-choice': p.key }, `👑 Make ${p.user.display_name} host and leave`)));
  $('leave-heirs-note').hidden = heirs.length > 0;
  $('leave-anyway-note').textContent = moderator
    ? `If you just leave, a moderator becomes host in ${grace} s unless you come back.`
    : `If you just leave, the room ends in ${grace} s unless you come back.`;
  return new Promise((resolve) => {
    const done = new AbortController();
    const finish = (choice) => { done.abort(); if (dialog.open) dialog.close(); resolve(choice); };
    dialog.addEventListener('click', (e) => {
      const choice = e.target.closest('[data-choice]')?.dataset.choice;
      if (choice) finish(choice);
    }, { signal: done.signal });
    dialog.addEventListener('close', () => finish('stay'), { signal: done.signal });
    dialog.showModal();
  });
}
