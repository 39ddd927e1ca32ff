"""PeerReady training videos: content, catalogue and watch progress (pure Python, no Flask)."""
