"""The soak run: `make soak` (see __main__)."""
