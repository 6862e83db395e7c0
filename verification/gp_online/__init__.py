"""P9 with GP online registration details, the fast track, and the practice staff side."""
