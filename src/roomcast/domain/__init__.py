"""Pure domain rules: no I/O, no asyncio, no framework imports. Callers pass the clock."""
