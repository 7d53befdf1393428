"""Live to on-demand, after the room: post-production (loudness, silence, MP3), speech to
text, show covers, and the worker processes that run them. CPU work on files; it knows
nothing of the store or the web, and runs apart from the live media plane's 20 ms clock."""
