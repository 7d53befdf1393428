"""Control-plane edge: HTTP API, WebSockets and pages."""
