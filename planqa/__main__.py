"""``python -m planqa`` runs the same command line as the ``planqa`` script."""

from planqa.cli import main

raise SystemExit(main())
