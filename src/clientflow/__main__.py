"""``python -m clientflow`` runs the ``clientflow`` command."""

from clientflow.cli import main

if __name__ == "__main__":
    main()
