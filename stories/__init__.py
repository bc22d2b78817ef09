"""Identity and stories (pure): canonical URLs, title fingerprints and n-gram features, and the
decision whether a new report joins an existing story (near-duplicate or cross-language).

Nothing here does I/O; storage/ keeps the index these functions feed and read.
"""
