"""``python -m psyai …`` (and ``accelerate launch -m psyai …``): the ``psyai`` command."""

import sys

from psyai.cli import main

sys.exit(main())
