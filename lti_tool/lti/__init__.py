"""pylti1p3 glue: tool configuration from the database, launch storage, role mapping, checks."""
