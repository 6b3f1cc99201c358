"""The seeds folder: INDEX.md, the files it describes, reading them, and the plan of a pack."""
