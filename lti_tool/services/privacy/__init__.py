"""Children's data: the data map, subject access export, erasure, retention and the audit log.

``registry`` says what each table holds and why; ``rows`` finds a person's or course's rows by
walking foreign keys; ``records`` finds their learning records (xAPI) and gradebook messages;
``export``, ``erasure`` and ``retention`` are the use cases; ``audit`` logs who looked.
"""
