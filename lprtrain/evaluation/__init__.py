"""Reading plates and scoring the readings: the paper's metrics (`metrics`), `lprtrain eval`
(`scoring`), `lprtrain predict` (`predict`) and the paper's experiment (`compare`)."""

from .compare import CompareConfig, compare
from .scoring import EvalReport, evaluate

__all__ = ["EvalReport", "evaluate", "CompareConfig", "compare"]
