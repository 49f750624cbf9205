"""lprtrain: LPRNet trained with the graphical-supervision decoder (the decoder is dropped at export).

from lprtrain import FitConfig, fit, load_model, load_data, evaluate
result = fit("shards", "runs/alt", FitConfig(aux="alternate"))
report = evaluate(load_model("runs/alt"), load_data("../shared/data/plate-crops"))
print(report.table())
"""

from .compare import CompareConfig, compare
from .config import FitConfig
from .data import PlateData, load_data
from .decode import greedy_decode
from .errors import LprtrainError
from .evaluate import EvalReport, evaluate
from .export import export_onnx
from .fit import FitResult, fit
from .inference import prepare_for_inference, reader
from .model import LPRNet, ModelConfig, TrainingModel, UpsamplingDecoder, build_decoder
from .preprocess import preprocess
from .run import load_model, save_run

__all__ = [
    "CompareConfig",
    "compare",
    "PlateData",
    "load_data",
    "greedy_decode",
    "LprtrainError",
    "EvalReport",
    "evaluate",
    "export_onnx",
    "FitConfig",
    "FitResult",
    "fit",
    "LPRNet",
    "ModelConfig",
    "TrainingModel",
    "UpsamplingDecoder",
    "build_decoder",
    "preprocess",
    "prepare_for_inference",
    "reader",
    "load_model",
    "save_run",
]
