"""The newsletter publisher: audience, issues, rendering, dispatch and tracking."""
