"""`python -m ahtui` is the same as the `ahtui` command."""

import sys

from .cli import main

sys.exit(main())
