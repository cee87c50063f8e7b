"""``python -m embedlab`` runs the command line."""

from embedlab.cli import main

if __name__ == "__main__":
    main()
