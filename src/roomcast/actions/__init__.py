"""Use cases: load → ask the domain → save → publish updates after commit."""
