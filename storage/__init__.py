"""SQLite storage through sqlite-utils: schema, the interaction log, report queries."""
