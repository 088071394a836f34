"""Allow ``python -m voicemock``."""

from voicemock.cli import main

raise SystemExit(main())
