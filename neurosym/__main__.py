"""``python -m neurosym`` is the same as the ``neurosym`` command."""

import sys

from neurosym.cli import main

sys.exit(main())
