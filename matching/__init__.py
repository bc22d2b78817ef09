"""Matching: the one normaliser, rule compilation into one automaton, match + explanation."""
