// fetch() for our JSON API: sends the CSRF header, turns error bodies into ApiError.

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `Request failed (${status})`);
    this.status = status;
    this.code = err.code || 'http_error';
    // per field (422: all of them at once; some refusals name one field)
    this.fields = err.fields || (err.field ? [{ field: err.field, message: err.message }] : []);
    this.retryAfter = err.retry_after;
  }
}

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)rc_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : '';
}

export async function api(method, path, body, { signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', signal,
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'offline', message: 'Cannot reach the server. Check your connection.' } });
  }
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export function formData(form) {
  return Object.fromEntries(new FormData(form).entries());
}
