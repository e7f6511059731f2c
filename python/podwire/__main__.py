"""``python -m podwire`` is the ``podwire`` command."""

import sys

from podwire.cli import main

sys.exit(main())
