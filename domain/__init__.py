"""Domain types shared by every layer: the catalog and the messages of a live room."""
