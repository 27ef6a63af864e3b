"""URLconfs that a host site gets wrong, for the checks that name the missing URL includes."""
