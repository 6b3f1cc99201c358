"""What a document is: its encoding, media type and language (BCP 47), found from its bytes."""
