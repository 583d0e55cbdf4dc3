"""The media service: image uploads, their processing and storage, and their URLs."""
