#!/usr/bin/env python3
"""Regenerates python_written.safetensors, the fixture SafeTensorsTests reads.

Written by Python's `safetensors` package (pip install safetensors numpy) so the Swift reader is
checked against the reference writer. One small tensor per supported dtype, with values whose
Float conversion SafeTensorsTests states by hand (including the lossy F64 and I64 cases).

Usage: python3 make_fixtures.py   (writes next to this script)
"""
import os

import numpy as np
from safetensors import TensorSpec, serialize_file

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    arrays = {
        "f32_matrix": np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 1,
        "f64_vector": np.array([0.1, -2.5, 1e300], dtype=np.float64),
        "f16_matrix": np.array([[1.0, -2.0, 0.5], [65504.0, 2.0**-24, np.inf]], dtype=np.float16),
        "i64_vector": np.array([-5, 2**40 + 1, 2**24 + 1], dtype=np.int64),
        "i32_vector": np.array([-(2**31), 7], dtype=np.int32),
        "i16_vector": np.array([-32768, 32767], dtype=np.int16),
        "i8_vector": np.array([-128, 127], dtype=np.int8),
        "u8_vector": np.array([0, 255], dtype=np.uint8),
        "bool_vector": np.array([True, False, True], dtype=np.bool_),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    specs = {
        name: TensorSpec(dtype=a.dtype.name, shape=list(a.shape), data_ptr=a.ctypes.data, data_len=a.nbytes)
        for name, a in arrays.items()
    }
    # NumPy has no bfloat16: pass the raw bit patterns of 1.0, -3.0 and 0.15625.
    bf16_bits = np.array([0x3F80, 0xC040, 0x3E20], dtype="<u2")
    specs["bf16_vector"] = TensorSpec(
        dtype="bfloat16", shape=[3], data_ptr=bf16_bits.ctypes.data, data_len=bf16_bits.nbytes
    )
    metadata = {"format": "np", "note": 'h\u00e9llo "quoted"\nline'}
    serialize_file(specs, os.path.join(HERE, "python_written.safetensors"), metadata=metadata)


if __name__ == "__main__":
    main()
