// How to allow a blocked microphone, in the words of the browser in hand.
export function micHelp(userAgent) {
  const ua = userAgent || '';
  if (/iPhone|iPad|iPod/.test(ua)) {
    return 'On iPhone and iPad: tap “aA” in the address bar, then Website Settings → Microphone → Allow, then press “Try again”.';
  }
  if (/Firefox\//.test(ua)) {
    return 'In Firefox: click the crossed-out microphone in the address bar, clear “Blocked”, then press “Try again”.';
  }
  if (/Edg\//.test(ua)) {
    return 'In Edge: click the lock left of the address, set Microphone to Allow, then press “Try again”.';
  }
  if (/Android/.test(ua)) {
    return 'On Android: tap the lock left of the address, then Permissions → Microphone → Allow, then press “Try again”.';
  }
  if (/Chrome\//.test(ua)) {
    return 'In Chrome: click the icon left of the address, turn Microphone on, then press “Try again”.';
  }
  if (/Safari\//.test(ua)) {
    return 'In Safari: open Safari → Settings for this website → Microphone → Allow, then press “Try again”.';
  }
  return 'Allow the microphone for this site in your browser\u2019s settings, then press “Try again”.';
}
