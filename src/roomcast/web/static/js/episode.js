// An episode: player speed, chapters that seek, captions from the transcript; its host
// edits, publishes, unpublishes, deletes or retries it.
import { api } from './api.js';
import { el, toast } from './ui.js';

const page = document.querySelector('.episode');
const id = page.dataset.episodeId;
const path = `/api/episodes/${encodeURIComponent(id)}`;
const $ = (name) => document.getElementById(name);
const player = $('player');

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

if (player) {
  const speed = $('speed');
  const saved = Number(localStorage.getItem('rc-speed'));
  if ([0.75, 1, 1.25, 1.5, 2].includes(saved)) speed.value = String(saved);
  player.playbackRate = Number(speed.value);
  speed.addEventListener('change', () => {
    player.playbackRate = Number(speed.value);
    localStorage.setItem('rc-speed', speed.value);
  });

  // chapters: a list of buttons; the current one is marked as the audio plays
  let chapters = [];
  const list = $('chapters');
  const markCurrent = () => {
    const t = player.currentTime;
    let current = -1;
    chapters.forEach((c, i) => { if (c.startTime <= t + 0.25) current = i; });
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

  // captions: the track's active cue, shown under the player (our own styling, with the
  // speaker's name from the WebVTT voice tag)
  const track = $('captions-track')?.track;
  const caption = $('caption');
  const toggle = $('captions-on');
  if (track && caption) {
    track.mode = 'hidden';
    const show = () => {
      const cue = track.activeCues && track.activeCues[0];
      caption.replaceChildren();
      if (!cue || !toggle.checked) return;
      const m = /^<v ([^>]*)>(.*)$/s.exec(cue.text);
      const text = (m ? m[2] : cue.text).replace(/<[^>]*>/g, '')
        .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      if (m) caption.append(el('span', { class: 'who', text: `${m[1].replace(/&amp;/g, '&')}:` }));
      caption.append(document.createTextNode(text));
    };
    track.addEventListener('cuechange', show);
    toggle.addEventListener('change', () => { caption.hidden = !toggle.checked; show(); });
  }
}

// being made: look again every few seconds, reload when it is ready (or failed)
if (page.dataset.status === 'processing') {
  const poll = setInterval(async () => {
    try {
      const ep = await api('GET', path);
      if (ep.status !== 'processing') { clearInterval(poll); location.reload(); }
    } catch { /* offline for a moment: try again */ }
  }, 4000);
}

// the host's tools
const form = $('episode-form');
if (form) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    $('episode-error').hidden = true;
    try {
      await api('PATCH', path, { title: form.elements.title.value, notes: form.elements.notes.value });
      toast('Episode saved');
      setTimeout(() => location.reload(), 500);
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
      setTimeout(() => location.reload(), 500);
    } catch (err) { toast(err.message); }
  });
  $('delete').addEventListener('click', async () => {
    if (!window.confirm('Delete this episode and its recording for good?')) return;
    try {
      await api('DELETE', path);
      location.href = document.querySelector('.back').getAttribute('href');
    } catch (err) { toast(err.message); }
  });
}
$('retry')?.addEventListener('click', async () => {
  try {
    await api('POST', `${path}/retry`);
    location.reload();
  } catch (err) { toast(err.message); }
});
