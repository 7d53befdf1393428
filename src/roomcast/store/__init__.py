"""Storage behind a small repository layer. Rows never leave this package."""

from roomcast.store.db import Store, UnitOfWork

__all__ = ["Store", "UnitOfWork"]
