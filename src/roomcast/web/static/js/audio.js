// The room's audio: one WebRTC connection to the server, negotiated once with a
// send-capable transceiver. Going on or off stage swaps the microphone with replaceTrack:
// no new connection. The server decides who is heard; this only follows what it says.
import { api } from './api.js';

const ICE_GATHER_MS = 3000; // aiortc does not trickle: send the offer once gathering is done

// Speech: the browser's voice processing. Music mode: the sound as it is, in stereo where
// the device has it (echo cancellation off: speakers need headphones).
const SPEECH = true;
const MUSIC = { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: { ideal: 2 } };

// Our offer says we can decode stereo (music rooms send it; speech rooms send mono), and,
// in music mode, that we may send it. The server's answer sets what we send and at what rate.
export function stereoOffer(sdp, music) {
  const pt = /a=rtpmap:(\d+) opus\/48000\/2/i.exec(sdp)?.[1];
  if (!pt) return sdp;
  const wanted = music ? ['stereo=1', 'sprop-stereo=1'] : ['stereo=1'];
  const fmtp = new RegExp(`^a=fmtp:${pt} (.*)$`, 'm');
  if (!fmtp.test(sdp)) return sdp.replace(new RegExp(`^(a=rtpmap:${pt} .*)$`, 'm'), `$1\r\na=fmtp:${pt} ${wanted.join(';')}`);
  return sdp.replace(fmtp, (line, params) => {
    const have = params.split(';').map((p) => p.trim().split('=')[0]);
    const extra = wanted.filter((w) => !have.includes(w.split('=')[0]));
    return extra.length ? `${line};${extra.join(';')}` : line;
  });
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ICE_GATHER_MS);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
}

export class RoomAudio {
  // onState(state, detail): 'connecting' | 'live' | 'blocked' (needs a tap) | 'reconnecting'
  //   | 'failed' | 'full'; and for the microphone: 'mic-ok' | 'mic-denied' | 'no-mic'
  constructor(roomId, { element, iceServers = [], onState }) {
    this.roomId = roomId;
    this.element = element;
    this.iceServers = iceServers.map((urls) => ({ urls }));
    this.onState = onState;
    this.pc = null;
    this.sender = null;
    this.mic = null;
    this.wantMic = false;
    this.muted = false;
    this.closed = false;
    this.blocked = false;
    this.music = false;
    this.attempt = 0;
    this.timer = null;
  }

  // A new connection with its offer made and ICE gathered: the slow part of joining, which
  // needs nothing from the server, so it can start while the room's socket opens.
  async fresh() {
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    const transceiver = pc.addTransceiver('audio', { direction: 'sendrecv' });
    this.sender = transceiver.sender;
    if (this.mic) await this.sender.replaceTrack(this.mic.getAudioTracks()[0]);
    pc.ontrack = (e) => this.play(e.streams[0] || new MediaStream([e.track]));
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      const s = pc.connectionState;
      if (s === 'connected') { this.attempt = 0; this.report(); }
      else if (s === 'failed') this.retry();
      else if (s === 'disconnected') {
        this.onState('reconnecting');
        this.timer = setTimeout(() => { if (pc.connectionState === 'disconnected') this.retry(); }, 4000);
      }
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription({ type: 'offer', sdp: stereoOffer(offer.sdp, this.music) });
    await gathered(pc);
    return pc;
  }

  prepare() {
    if (!this.closed && !this.ready) this.ready = this.fresh().catch(() => null);
  }

  async connect() {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.onState(this.attempt ? 'reconnecting' : 'connecting');
    const prepared = this.ready ? await this.ready : null;
    this.ready = null;
    try {
      const pc = prepared && prepared === this.pc && prepared.signalingState === 'have-local-offer' ? prepared : await this.fresh();
      if (this.closed) return;
      this.inflight = new AbortController(); // leaving cancels an offer on its way
      const answer = await api('POST', `/api/rooms/${encodeURIComponent(this.roomId)}/media`,
        { sdp: pc.localDescription.sdp, type: 'offer' }, { signal: this.inflight.signal });
      if (pc !== this.pc) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    } catch (err) {
      if (err.code === 'room_full') { this.onState('full', err.message); return; }
      if (err.status === 410 || err.status === 403) { this.onState('failed', err.message); return; }
      this.retry();
    }
  }

  retry() {
    if (this.closed) return;
    this.attempt += 1;
    this.onState('reconnecting');
    const delay = Math.min(8000, 400 * 2 ** Math.min(this.attempt, 5));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  play(stream) {
    this.element.srcObject = stream;
    this.element.play().then(() => { this.blocked = false; this.report(); }).catch((err) => {
      if (err.name !== 'NotAllowedError') return; // superseded by a newer play()
      this.blocked = true;
      this.onState('blocked');
    });
  }

  // A user gesture lets the page play sound where the browser asks for one.
  async unblock() {
    await this.element.play();
    this.blocked = false;
    this.report();
  }

  // 'live' once connected and playing; 'blocked' only after the browser refused to play.
  report() {
    if (this.pc?.connectionState !== 'connected') return;
    if (this.blocked) this.onState('blocked');
    else if (!this.element.paused) this.onState('live');
  }

  // Follow the server's word: on stage (and muted or not), or in the audience. The
  // microphone opens only once the person is on stage and unmuted, which only they can do
  // (accepting an invitation, or unmuting): never because someone changed their role.
  async setStage(onStage, muted) {
    this.wantMic = onStage;
    this.muted = muted;
    if (this.mic) this.mic.getAudioTracks()[0].enabled = !muted; // the server mutes too
    if (onStage && !muted && !this.mic && !this.asking) {
      this.asking = true;
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: this.music ? MUSIC : SPEECH });
      } catch (err) {
        this.onState(err.name === 'NotFoundError' ? 'no-mic' : 'mic-denied');
        return;
      } finally {
        this.asking = false;
      }
      if (!this.wantMic || this.closed) { stream.getTracks().forEach((t) => t.stop()); return; }
      this.onState('mic-ok');
      this.mic = stream;
      this.mic.getAudioTracks()[0].enabled = !this.muted;
      await this.sender?.replaceTrack(this.mic.getAudioTracks()[0]);
      this.report();
    } else if (!onStage) {
      this.stopMic();
      this.onState('mic-ok'); // a listener needs no microphone: no warning about one
    }
  }

  // The room switched between speech and music: on stage, the microphone is opened again
  // with the other processing and the connection renegotiated (the answer says how to
  // send); in the audience nothing changes (our offers can always decode stereo).
  async setMusic(music) {
    if (music === this.music) return;
    this.music = music;
    if (!this.mic || this.closed) return;
    this.stopMic();
    this.ready = null;
    await this.setStage(this.wantMic, this.muted);
    this.connect();
  }

  stopMic() {
    if (this.pc && this.pc.signalingState !== 'closed') this.sender?.replaceTrack(null).catch(() => {});
    this.mic?.getTracks().forEach((t) => t.stop());
    this.mic = null;
  }

  close() {
    this.closed = true;
    this.inflight?.abort();
    clearTimeout(this.timer);
    this.stopMic();
    this.pc?.close();
    this.pc = null;
    this.element.srcObject = null; // nothing left playing once out of the room
  }
}
