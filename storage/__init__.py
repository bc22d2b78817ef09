"""The only SQL in the project: schema, append-only migrations, the one writer, and queries."""
