"""Business-rule units of the roster model."""
