"""lprtrain: LPRNet trained with the graphical-supervision decoder (the decoder is dropped at export).

from . import FitConfig, fit, load_model, load_data, evaluate
result = fit("shards", "runs/alt", FitConfig(aux="alternate"))
report = evaluate(load_model("runs/alt"), load_data("../shared/data/plate-crops"))
print(report.table())
"""

from .data.plate_data import PlateData, load_data
from .deploy.export import export_onnx
from .errors import LprtrainError
from .evaluation.compare import CompareConfig, compare
from .evaluation.scoring import EvalReport, evaluate
from .model.decode import greedy_decode
from .model.inference import prepare_for_inference, reader
from .model.lprnet import LPRNet, ModelConfig, TrainingModel, UpsamplingDecoder, build_decoder
from .model.preprocess import preprocess
from .model.run import load_model, save_run
from .train.config import FitConfig
from .train.fit import FitResult, fit

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
