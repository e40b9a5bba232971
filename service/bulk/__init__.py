"""Bulk runs over archives: items read (``items``), the rate-adaptive gate (``limiter``),
the resumable run (``runner``), its result files (``results``) and progress (``display``)."""
