"""One module per ``voicemock`` subcommand; each has ``register(subparsers)``."""
