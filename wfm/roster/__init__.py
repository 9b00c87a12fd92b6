"""The CP-SAT roster model: one unit per business rule."""
