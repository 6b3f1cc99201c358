"""The `archiver` command (Typer): the only package that prints, reads the clock or exits."""
