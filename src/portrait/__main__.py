"""``python -m portrait COMMAND``: the same as the ``portrait`` command."""

import sys

from portrait.cli import main

sys.exit(main())
