"""Matching: the rules compiled into one automaton (compile), a document matched with the reasons
for every verdict (engine, spans, result), and those reasons explained (explain). Pure; the
normaliser it shares with search and clustering is core.text."""
