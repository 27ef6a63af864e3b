"""Advocacy content for Wagtail: statements, open letters, campaign wins, donation appeals."""
