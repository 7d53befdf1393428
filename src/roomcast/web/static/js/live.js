// One WebSocket that reconnects by itself: a snapshot first, then updates.
// Close codes from the server (web/live.py) say when not to come back.

const NO_RETRY = new Set([4403, 4409, 4410, 4400]);

export function connectLive(path, { onSnapshot, onUpdate, onState, onFinal, onLevels = () => {}, onReaction = () => {}, onTip = () => {} }) {
  let ws = null, attempt = 0, stopped = false, pingTimer = null, retryTimer = null;

  function open() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
    ws = new WebSocket(url);
    onState(attempt === 0 ? 'connecting' : 'reconnecting');
    let final = null;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === 'snapshot') { attempt = 0; onState('live'); onSnapshot(msg); }
      else if (msg.type === 'update') onUpdate(msg.update);
      else if (msg.type === 'levels') onLevels(msg.levels);
      else if (msg.type === 'reaction') onReaction(msg);
      else if (msg.type === 'tip') onTip(msg);
      else if (msg.type === 'error' || msg.type === 'replaced') final = msg;
    };
    ws.onclose = (ev) => {
      clearInterval(pingTimer);
      if (stopped) return;
      if (NO_RETRY.has(ev.code)) { stopped = true; onFinal(ev.code, final); return; }
      attempt += 1;
      onState('reconnecting');
      const delay = Math.min(10000, 500 * 2 ** Math.min(attempt - 1, 5)) * (0.75 + Math.random() / 2);
      retryTimer = setTimeout(open, delay);
    };
    ws.onopen = () => {
      pingTimer = setInterval(() => ws.readyState === 1 && ws.send('{"type":"ping"}'), 25000);
    };
  }

  // Coming back online or to the tab: retry at once instead of waiting out the back-off.
  window.addEventListener('online', () => { if (!stopped && ws?.readyState === 3) { clearTimeout(retryTimer); open(); } });
  open();
  return {
    close(sendLeave = true) {
      stopped = true;
      clearInterval(pingTimer); clearTimeout(retryTimer);
      if (ws && ws.readyState === 1 && sendLeave) ws.send('{"type":"leave"}');
      ws?.close(1000);
    },
    restart() { stopped = false; attempt = 0; open(); },
  };
}
