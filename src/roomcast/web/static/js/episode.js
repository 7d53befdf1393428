// An episode: the player (speed, chapters, captions), the transcript to read, search and
// seek by, "next speaker", "share this moment" (?t=seconds), subscribe; its host edits,
// publishes, unpublishes, deletes or retries it. It never plays over a live room.
import { api } from './api.js';
import { wireFollow } from './follow.js';
import { leaveRoom } from './leaving.js';
import { currentSession } from './room_session.js';
import { subscribeSheet } from './subscribe.js';
import { tipRow } from './tips.js';
import { el, go, refresh, toast } from './ui.js';

const $ = (name) => document.getElementById(name);

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

// A WebVTT cue's text as (speaker, words): our transcripts name speakers with <v Name>.
export function cueParts(text) {
  const m = /^<v ([^>]*)>(.*)$/s.exec(text);
  const unescape = (t) => t.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return m ? { who: unescape(m[1]), words: unescape(m[2]) } : { who: '', words: unescape(text) };
}

export function mount(main, signal) {
  const page = main.querySelector('.episode');
  const path = `/api/episodes/${encodeURIComponent(page.dataset.episodeId)}`;
  const tips = $('episode-tips');
  if (tips) {
    tipRow(tips.dataset.host, tips.dataset.hostName, { episode_id: page.dataset.episodeId }).then((row) => {
      if (row && !signal.aborted) { tips.replaceChildren(row); tips.hidden = false; }
    });
  }
  if (new URLSearchParams(location.search).get('tip') === 'thanks') toast('Thank you: your tip is on its way.');
  const player = $('player');
  wireFollow(main, signal);
  subscribeSheet();
  if (player) playerTools(page, player, signal);
  hostTools(path);

  // being made: look again every few seconds, show it when it is ready (or failed)
  if (page.dataset.status === 'processing') {
    const poll = setInterval(async () => {
      try {
        const ep = await api('GET', path);
        if (ep.status !== 'processing') { clearInterval(poll); refresh(); }
      } catch { /* offline for a moment: try again */ }
    }, 4000);
    signal.addEventListener('abort', () => clearInterval(poll));
  }
}

function playerTools(page, player, signal) {
  const speed = $('speed');
  const saved = Number(localStorage.getItem('rc-speed'));
  if ([0.75, 1, 1.25, 1.5, 2].includes(saved)) speed.value = String(saved);
  player.playbackRate = Number(speed.value);
  speed.addEventListener('change', () => {
    player.playbackRate = Number(speed.value);
    localStorage.setItem('rc-speed', speed.value);
  });
  guardLiveRoom(player);

  // ?t=90 (or 1:30, or 12.5 from a search result): a shared moment starts there
  const t = new URLSearchParams(location.search).get('t');
  const at = t && /^\d+(\.\d{1,3})?$|^\d+(:\d{1,2}){1,2}$/.test(t)
    ? t.split(':').reduce((a, b) => a * 60 + Number(b), 0) : null;
  if (at !== null) {
    const start = () => { player.currentTime = at; if (!currentSession() || currentSession().final) player.play().catch(() => {}); };
    if (player.readyState >= 1) start(); else player.addEventListener('loadedmetadata', start, { once: true });
  }
  $('share-moment').addEventListener('click', async () => {
    const url = `${location.origin}${location.pathname}?t=${Math.floor(player.currentTime)}`;
    try {
      if (navigator.share) await navigator.share({ title: $('ep-title').textContent, url });
      else { await navigator.clipboard.writeText(url); toast(`Link to ${clock(player.currentTime)} copied`); }
    } catch {
      toast(url);
    }
  });

  chapterList(page, player);
  const track = $('captions-track');
  if (track) transcript(track, player, signal);
}

// Never two sources at once: playing this while in a live room asks to leave the room first.
function guardLiveRoom(player) {
  let allowed = false;
  player.addEventListener('play', async () => {
    const session = currentSession();
    if (allowed || !session || session.final) return;
    player.pause();
    const dialog = $('conflict-dialog');
    $('conflict-room').textContent = session.title;
    const leave = async () => {
      dialog.close();
      if (await leaveRoom(session)) { allowed = true; player.play().catch(() => {}); }
    };
    $('conflict-leave').onclick = leave;
    dialog.showModal();
  });
  player.addEventListener('pause', () => { allowed = false; });
}

function chapterList(page, player) {
  let chapters = [];
  const list = $('chapters');
  const markCurrent = () => {
    const now = player.currentTime;
    let current = -1;
    chapters.forEach((c, i) => { if (c.startTime <= now + 0.25) current = i; });
    list.querySelectorAll('li').forEach((li, i) => {
      li.classList.toggle('current', i === current);
      li.querySelector('button').setAttribute('aria-current', i === current ? 'true' : 'false');
    });
  };
  if (page.dataset.chaptersUrl) {
    fetch(page.dataset.chaptersUrl).then((r) => (r.ok ? r.json() : null)).then((doc) => {
      chapters = (doc?.chapters || []).filter((c) => typeof c.startTime === 'number');
      if (chapters.length < 2) return; // one chapter is no navigation
      list.replaceChildren(...chapters.map((c) => el('li', {},
        el('button', { type: 'button', 'aria-label': `Play from ${clock(c.startTime)}: ${c.title}`,
          onclick: () => { player.currentTime = c.startTime; player.play().catch(() => {}); } },
        el('time', { text: clock(c.startTime) }), el('span', { text: c.title })))));
      $('chapters-card').hidden = false;
      markCurrent();
    }).catch(() => {});
  }
  player.addEventListener('timeupdate', markCurrent);
}

// The transcript: the caption under the player, and the whole text (speaker turns, each line
// a button that plays from there), searchable, following the audio.
function transcript(trackEl, player, signal) {
  const track = trackEl.track;
  track.mode = 'hidden';
  const caption = $('caption');
  const toggle = $('captions-on');
  let lines = []; // {start, who, words, node}
  const showCaption = () => {
    const cue = track.activeCues && track.activeCues[0];
    caption.replaceChildren();
    if (!cue || !toggle.checked) return;
    const { who, words } = cueParts(cue.text);
    if (who) caption.append(el('span', { class: 'who', text: `${who}:` }));
    caption.append(document.createTextNode(words));
  };
  track.addEventListener('cuechange', () => { showCaption(); follow(); });
  toggle.addEventListener('change', () => { caption.hidden = !toggle.checked; showCaption(); });

  const build = () => {
    if (lines.length || !track.cues?.length) return;
    lines = [...track.cues].map((cue) => ({ start: cue.startTime, ...cueParts(cue.text) }));
    let previous = null;
    $('transcript').replaceChildren(...lines.map((line) => {
      const turn = line.who !== previous;
      previous = line.who;
      line.node = el('li', { class: `line${turn ? ' new-turn' : ''}` },
        el('button', { type: 'button', 'aria-label': `Play from ${clock(line.start)}${line.who ? `, ${line.who}` : ''}: ${line.words}`,
          onclick: () => { player.currentTime = line.start + 0.01; player.play().catch(() => {}); } },
        el('time', { text: clock(line.start) }),
        turn && line.who ? el('strong', { class: 'who', text: line.who }) : null,
        el('span', { class: 'words', text: line.words })));
      return line.node;
    }));
    const speakers = [...new Set(lines.map((l) => l.who).filter(Boolean))];
    $('speakers').textContent = speakers.length ? `Speakers: ${speakers.join(', ')}` : '';
    $('next-speaker').hidden = speakers.length < 2;
  };
  trackEl.addEventListener('load', build);
  const poll = setInterval(() => { build(); if (lines.length) clearInterval(poll); }, 500); // 'load' may have fired already
  signal.addEventListener('abort', () => clearInterval(poll));

  // the line being played is marked, and scrolled to unless the reader is searching
  let current = null;
  function follow() {
    const now = player.currentTime;
    let found = null;
    for (const line of lines) if (line.start <= now + 0.05) found = line;
    if (found === current) return;
    current?.node.classList.remove('current');
    current = found;
    if (!found) return;
    found.node.classList.add('current');
    if (!$('transcript-search').value) found.node.scrollIntoView({ block: 'nearest' });
  }

  // "next speaker": the start of the next line said by someone else
  $('next-speaker').addEventListener('click', () => {
    const now = player.currentTime;
    const here = [...lines].reverse().find((l) => l.start <= now + 0.05);
    const next = lines.find((l) => l.start > now + 0.05 && l.who !== (here?.who ?? null));
    if (!next) { toast('Nobody else speaks after this'); return; }
    player.currentTime = next.start + 0.01;
    player.play().catch(() => {});
  });

  // search: the lines that say it, the words marked (built from text nodes, never HTML)
  $('transcript-search').addEventListener('input', (e) => {
    const q = e.target.value.trim().toLocaleLowerCase();
    let hits = 0;
    for (const line of lines) {
      const words = line.node.querySelector('.words');
      const at = q ? line.words.toLocaleLowerCase().indexOf(q) : -1;
      line.node.hidden = Boolean(q) && at < 0;
      if (at >= 0) {
        hits += 1;
        words.replaceChildren(line.words.slice(0, at), el('mark', { text: line.words.slice(at, at + q.length) }), line.words.slice(at + q.length));
      } else {
        words.textContent = line.words;
      }
    }
    $('search-count').textContent = q ? (hits ? `${hits} ${hits === 1 ? 'line says' : 'lines say'} “${e.target.value.trim()}”` : 'Nothing said matches.') : '';
  });
}

function hostTools(path) {
  const form = $('episode-form');
  if (form) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      $('episode-error').hidden = true;
      try {
        await api('PATCH', path, { title: form.elements.title.value, notes: form.elements.notes.value });
        toast('Episode saved');
        setTimeout(refresh, 500);
      } catch (err) {
        $('episode-error').textContent = err.message;
        $('episode-error').hidden = false;
      }
    });
    $('publish')?.addEventListener('click', async (e) => {
      const published = e.currentTarget.dataset.published === 'true';
      try {
        await api('PUT', `${path}/published`, { published: !published });
        toast(published ? 'Unpublished: gone from the feed' : 'Published');
        setTimeout(refresh, 500);
      } catch (err) { toast(err.message); }
    });
    $('delete').addEventListener('click', async () => {
      if (!window.confirm('Delete this episode and its recording for good?')) return;
      try {
        await api('DELETE', path);
        go(document.querySelector('.episode .back').getAttribute('href'));
      } catch (err) { toast(err.message); }
    });
  }
  $('retry')?.addEventListener('click', async () => {
    try {
      await api('POST', `${path}/retry`);
      refresh();
    } catch (err) { toast(err.message); }
  });
}
