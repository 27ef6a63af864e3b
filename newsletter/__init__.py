"""The newsletter publisher: audience, issues (rendering once), sending and tracking."""
