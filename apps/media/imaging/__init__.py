"""Image handling without Django: recognising formats, validating uploads, rendering variants."""
