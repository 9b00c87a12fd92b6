"""wfm: workforce-management optimizer for bank contact centers."""

__version__ = "0.1.0"
