# Host-side tools for the GC864-PY gateway (Python 3).
