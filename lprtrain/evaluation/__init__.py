"""Reading plates and scoring the readings (with the paper's metrics, `lprtrain.metrics`): `lprtrain eval`
(`scoring`), `lprtrain predict` (`predict`) and the paper's experiment (`compare`)."""

from .compare import CompareConfig, compare
from .reading import PLATE_MIN_CONFIDENCE, Reading
from .scoring import EvalReport, evaluate

__all__ = ["EvalReport", "evaluate", "CompareConfig", "compare", "PLATE_MIN_CONFIDENCE", "Reading"]
