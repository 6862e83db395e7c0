"""P9 with photo ID and a video or face scan: uploads, encrypted storage, the journey's step
registry, the automated checks pipeline and the identity checkers' review workspace.

See docs/verification-p9-photo-id.md.
"""
