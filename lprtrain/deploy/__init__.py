"""Leaving training: ONNX export (`export`), int8 (`quantize`), and importing LPRNet_Pytorch weights
(`convert`)."""

from .export import export_onnx

__all__ = ["export_onnx"]
