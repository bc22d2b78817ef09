"""Shared vocabulary of every stage: the Item that flows through, the errors, the clock."""
