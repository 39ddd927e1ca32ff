"""PeerReady scenario quizzes: content model, checker and a pure attempt engine (no I/O)."""
