"""Stores that bypass the cache, for kernels whose output is larger than the cache.

A plain store first reads the destination line into the cache (read for ownership),
so writing an 80 MB result moves 160 MB; a non-temporal store writes the line
straight to memory. Worth it only when the output would not stay cached anyway:
kernels use it above `STREAM_ROWS` rows and end with `store_fence`, which orders the
stores before anything after the kernel reads them. (An LLVM hint: on a CPU without
such stores it is an ordinary store.)
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

STREAM_ROWS = 1 << 22
"""Outputs of at least this many float64 rows (32 MB, a large last-level cache) are
streamed; smaller ones are written normally, so a consumer finds them in cache."""


@intrinsic
def store(typingctx, array, index, value, streaming):
    """array[index] = value (no bounds or negative-index check), as a non-temporal
    store if `streaming`, which must be a compile-time constant: LLVM merges a store
    chosen at run time with its plain twin and drops the hint."""
    if not isinstance(streaming, types.BooleanLiteral):
        return None
    sig = types.void(array, index, value, streaming)

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(
            context, builder, array_type, view, [args[1]], wraparound=False
        )
        instruction = builder.store(args[2], ptr)
        if streaming.literal_value:
            hint = builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)])
            instruction.set_metadata("nontemporal", hint)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def store_fence(typingctx):
    """A full memory fence: earlier non-temporal stores are visible before later loads."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return sig, codegen
