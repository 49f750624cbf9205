"""The network and what every stage does with it: LPRNet and the decoder (`lprnet`), the input
(`preprocess`), CTC decoding (`decode`), the prepared reader (`inference`), the run folder (`run`) and
its cost (`flops`)."""

from .decode import greedy_decode
from .inference import prepare_for_inference, reader
from .lprnet import LPRNet, ModelConfig, TrainingModel, UpsamplingDecoder, build_decoder
from .preprocess import preprocess
from .run import load_model, save_run

__all__ = [
    "LPRNet",
    "ModelConfig",
    "TrainingModel",
    "UpsamplingDecoder",
    "build_decoder",
    "greedy_decode",
    "preprocess",
    "prepare_for_inference",
    "reader",
    "load_model",
    "save_run",
]
