"""``python -m clientflow`` runs the ``clientflow`` command."""

from clientflow.cli import main

main()
