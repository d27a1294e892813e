"""Pure domain rules of the SKM follow-up tracker (no Flask, no database)."""
