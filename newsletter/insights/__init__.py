"""Insight into sends and the audience: reports, trends, complaint watch, sunset policy."""
