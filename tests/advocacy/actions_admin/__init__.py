"""Importing representatives and postal areas; the action admin screens."""
