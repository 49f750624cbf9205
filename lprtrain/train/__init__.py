"""`lprtrain fit`: the config (`config`), the data made ready (`prepare`), the run (`fit`), one step
(`loop`), the data mix (`sources`), the schedule, resume, precision, warm start, and torchrun support
(`distributed`)."""

from .config import FitConfig
from .fit import FitResult, fit

__all__ = ["FitConfig", "FitResult", "fit"]
