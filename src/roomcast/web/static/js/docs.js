// The API reference: the vendored Swagger UI (static/vendor/swagger-ui, pinned) over our
// own OpenAPI description, from this origin only (no CDN, no inline script).
const root = document.getElementById('swagger-ui');
window.SwaggerUIBundle({
  url: root.dataset.spec,
  domNode: root,
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  // "Try it out" sends the CSRF header our API asks for, from the rc_csrf cookie
  requestInterceptor: (req) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('rc_csrf='));
    if (csrf) req.headers['X-CSRF-Token'] = decodeURIComponent(csrf.slice(8));
    return req;
  },
});
