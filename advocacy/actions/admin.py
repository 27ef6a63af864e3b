"""Admin screens for actions: representatives, postal areas, participations."""
