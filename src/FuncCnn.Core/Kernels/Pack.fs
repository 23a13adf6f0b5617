/// Packing of GEMM operands into the panel layouts the micro-kernels stream through, plus the small
/// copy/add runs im2col and col2im are made of. Matrices are strided views: element (i, j) of a
/// view at `src` with row stride rs and column stride cs is src[i*rs + j*cs], so one routine packs
/// a matrix, its transpose or an im2col buffer read sideways.
module FuncCnn.Kernels.Pack

#nowarn "9" // native pointers: kernels pin their arrays and index them without bounds checks

open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop
open FuncCnn.Kernels.Setup


/// op(A) rows [0, rows) × k-columns [0, kc) into MR-row strips: strip s holds, for each p, the MR
/// values of rows s*MR .. s*MR+MR-1 side by side (rows past `rows` are zero).
let packA (src: nativeptr<float32>) (rs: int) (cs: int) (rows: int) (kc: int) (dst: nativeptr<float32>) =
    let strips = (rows + MR - 1) / MR
    for s in 0 .. strips - 1 do
        let d = NativePtr.add dst (s * kc * MR)
        let i0 = s * MR
        let valid = min MR (rows - i0)
        if cs = 1 then
            // Each row is contiguous in k: read along it, write every MR-th slot.
            for ii in 0 .. valid - 1 do
                let row = NativePtr.add src ((i0 + ii) * rs)
                for p in 0 .. kc - 1 do
                    NativePtr.set d (p * MR + ii) (NativePtr.get row p)
        else
            for p in 0 .. kc - 1 do
                let col = NativePtr.add src (p * cs + i0 * rs)
                let dp = NativePtr.add d (p * MR)
                for ii in 0 .. valid - 1 do
                    NativePtr.set dp ii (NativePtr.get col (ii * rs))
        for ii in valid .. MR - 1 do
            for p in 0 .. kc - 1 do
                NativePtr.set d (p * MR + ii) 0.0f

/// op(B) k-rows [0, kc) × columns [0, cols) into nr-column strips: strip s holds, for each p, the nr
/// values of columns s*nr .. s*nr+nr-1 (columns past `cols` are zero).
let packB (src: nativeptr<float32>) (rs: int) (cs: int) (kc: int) (cols: int) (nr: int) (dst: nativeptr<float32>) =
    let strips = (cols + nr - 1) / nr
    for s in 0 .. strips - 1 do
        let d = NativePtr.add dst (s * kc * nr)
        let j0 = s * nr
        let valid = min nr (cols - j0)
        if cs = 1 && valid = nr then
            // Full strip of a row-major matrix: whole vectors.
            for p in 0 .. kc - 1 do
                let from = NativePtr.add src (p * rs + j0)
                let dp = NativePtr.add d (p * nr)
                let mutable j = 0
                while j < nr do
                    Vector256.Store(Vector256.Load(NativePtr.add from j), NativePtr.add dp j)
                    j <- j + 8
        elif cs = 1 then
            for p in 0 .. kc - 1 do
                let from = NativePtr.add src (p * rs + j0)
                let dp = NativePtr.add d (p * nr)
                for jj in 0 .. valid - 1 do NativePtr.set dp jj (NativePtr.get from jj)
                for jj in valid .. nr - 1 do NativePtr.set dp jj 0.0f
        else
            // Columns are contiguous in k (a transposed operand): read along them.
            for jj in 0 .. valid - 1 do
                let col = NativePtr.add src ((j0 + jj) * cs)
                for p in 0 .. kc - 1 do
                    NativePtr.set d (p * nr + jj) (NativePtr.get col (p * rs))
            for jj in valid .. nr - 1 do
                for p in 0 .. kc - 1 do
                    NativePtr.set d (p * nr + jj) 0.0f

/// dst[0..len) <- src[0..len).
let copyRun (src: nativeptr<float32>) (dst: nativeptr<float32>) (len: int) =
    let mutable j = 0
    while j + 8 <= len do
        Vector256.Store(Vector256.Load(NativePtr.add src j), NativePtr.add dst j)
        j <- j + 8
    while j < len do
        NativePtr.set dst j (NativePtr.get src j)
        j <- j + 1

/// dst[0..len) <- 0.
let zeroRun (dst: nativeptr<float32>) (len: int) =
    let mutable j = 0
    while j + 8 <= len do
        Vector256.Store(Vector256<float32>.Zero, NativePtr.add dst j)
        j <- j + 8
    while j < len do
        NativePtr.set dst j 0.0f
        j <- j + 1

/// dst[0..len) <- dst + src, element by element in index order.
let addRun (src: nativeptr<float32>) (dst: nativeptr<float32>) (len: int) =
    let mutable j = 0
    while j + 8 <= len do
        Vector256.Store(Vector256.Load(NativePtr.add dst j) + Vector256.Load(NativePtr.add src j), NativePtr.add dst j)
        j <- j + 8
    while j < len do
        NativePtr.set dst j (NativePtr.get dst j + NativePtr.get src j)
        j <- j + 1

/// dst[0..len) <- value.
let fillRun (dst: nativeptr<float32>) (len: int) (value: float32) =
    let v = Vector256.Create value
    let mutable j = 0
    while j + 8 <= len do
        Vector256.Store(v, NativePtr.add dst j)
        j <- j + 8
    while j < len do
        NativePtr.set dst j value
        j <- j + 1
