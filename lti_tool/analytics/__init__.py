"""Trainer analytics: quiz, path and video statistics, and the course roster (NRPS).

``quiz_stats``, ``paths`` and ``video_stats`` are pure: plain dataclasses in, frozen dataclasses
out, no Flask, SQLAlchemy or I/O, so they can be checked against hand-worked figures. ``nrps`` is
the one service here: it calls the platform and caches the roster in the shared store.
"""
