"""Test-session setup shared by the backbone tests."""

import os

# torch and the compiled e5.c each bring an OpenMP runtime; with the default active
# wait policy their idle threads spin and fight over the 2 cores (2-3x slower tests).
# Must be set before torch is imported, which is why it lives here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
