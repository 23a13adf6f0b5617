/// Packing of GEMM operands into the panel layouts the micro-kernels stream through, plus the small
/// copy/add runs im2col and col2im are made of. Matrices are strided views: element (i, j) of a
/// view at `src` with row stride rs and column stride cs is src[i*rs + j*cs], so one routine packs
/// a matrix, its transpose or an im2col buffer read sideways.
module FuncCnn.Core.Kernels.Pack

open FuncCnn

open FuncCnn.Core
#nowarn "9" // native pointers: kernels pin their arrays and index them without bounds checks

open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop
open FuncCnn.Core.Kernels.Setup

/// Writes the transpose of the 16×16 tile at `tile` (row stride ldTile) to the first `rows` of 16
/// rows at dst (row stride ld): unpack pairs, then 64- and 128-bit lane shuffles.
let transpose16Strided (tile: nativeptr<float32>) (ldTile: int) (dst: nativeptr<float32>) (ld: int) (rows: int) =
    let r i = Vector512.Load(NativePtr.add tile (ldTile * i))
    let inline pair (a: Vector512<float32>) (b: Vector512<float32>) = struct (Avx512F.UnpackLow(a, b), Avx512F.UnpackHigh(a, b))
    let inline quad (a0: Vector512<float32>) (a1: Vector512<float32>) (b0: Vector512<float32>) (b1: Vector512<float32>) =
        struct (Avx512F.Shuffle(a0, b0, 0x44uy), Avx512F.Shuffle(a0, b0, 0xEEuy), Avx512F.Shuffle(a1, b1, 0x44uy), Avx512F.Shuffle(a1, b1, 0xEEuy))
    let struct (t0, t1) = pair (r 0) (r 1)
    let struct (t2, t3) = pair (r 2) (r 3)
    let struct (t4, t5) = pair (r 4) (r 5)
    let struct (t6, t7) = pair (r 6) (r 7)
    let struct (t8, t9) = pair (r 8) (r 9)
    let struct (t10, t11) = pair (r 10) (r 11)
    let struct (t12, t13) = pair (r 12) (r 13)
    let struct (t14, t15) = pair (r 14) (r 15)
    // u(4q+c): column c of each 4-column group, rows 4q .. 4q+3
    let struct (u0, u1, u2, u3) = quad t0 t1 t2 t3
    let struct (u4, u5, u6, u7) = quad t4 t5 t6 t7
    let struct (u8, u9, u10, u11) = quad t8 t9 t10 t11
    let struct (u12, u13, u14, u15) = quad t12 t13 t14 t15
    let inline even (a: Vector512<float32>) (b: Vector512<float32>) = Avx512F.Shuffle4x128(a, b, 0x88uy)
    let inline odd (a: Vector512<float32>) (b: Vector512<float32>) = Avx512F.Shuffle4x128(a, b, 0xDDuy)
    let v0, v1, v2, v3 = even u0 u4, even u1 u5, even u2 u6, even u3 u7
    let v4, v5, v6, v7 = odd u0 u4, odd u1 u5, odd u2 u6, odd u3 u7
    let v8, v9, v10, v11 = even u8 u12, even u9 u13, even u10 u14, even u11 u15
    let v12, v13, v14, v15 = odd u8 u12, odd u9 u13, odd u10 u14, odd u11 u15
    let inline put (c: int) (v: Vector512<float32>) = if c < rows then Vector512.Store(v, NativePtr.add dst (c * ld))
    put 0 (even v0 v8); put 1 (even v1 v9); put 2 (even v2 v10); put 3 (even v3 v11)
    put 4 (even v4 v12); put 5 (even v5 v13); put 6 (even v6 v14); put 7 (even v7 v15)
    put 8 (odd v0 v8); put 9 (odd v1 v9); put 10 (odd v2 v10); put 11 (odd v3 v11)
    put 12 (odd v4 v12); put 13 (odd v5 v13); put 14 (odd v6 v14); put 15 (odd v7 v15)

/// transpose16Strided of a packed 16×16 tile (row stride 16).
let transpose16 (tile: nativeptr<float32>) (dst: nativeptr<float32>) (ld: int) (rows: int) = transpose16Strided tile 16 dst ld rows

/// op(A) rows [0, rows) × k-columns [0, kc) into MR-row strips: strip s holds, for each p, the MR
/// values of rows s*MR .. s*MR+MR-1 side by side (rows past `rows` are zero).
let packA (src: nativeptr<float32>) (rs: int) (cs: int) (rows: int) (kc: int) (dst: nativeptr<float32>) =
    let strips = (rows + MR - 1) / MR
    let tile = NativePtr.stackalloc<float32> 256
    let turned = NativePtr.stackalloc<float32> 256
    // rows contiguous in k, on AVX-512: a register transpose that also writes the zero rows
    let transposing = cs = 1 && Avx512F.IsSupported
    // columns contiguous (a transposed weight), on AVX-512: each k's MR floats in one masked move,
    // the zero rows included
    let columnMajor = rs = 1 && cs <> 1 && Avx512F.IsSupported
    for s in 0 .. strips - 1 do
        let d = NativePtr.add dst (s * kc * MR)
        let i0 = s * MR
        let valid = min MR (rows - i0)
        if transposing then
            // 16 k at a time: the strip's rows into a tile, one register transpose, then MR floats
            // per k (the transposed rows' lanes past MR are never stored; rows past `valid` are zero)
            let strip = tailMask MR
            let mutable p0 = 0
            while p0 < kc do
                let count = min 16 (kc - p0)
                let lanes = tailMask count
                for ii in 0 .. MR - 1 do
                    let v = if ii < valid then Avx512F.MaskLoad(NativePtr.add src ((i0 + ii) * rs + p0), lanes, Vector512<float32>.Zero) else Vector512<float32>.Zero
                    Vector512.Store(v, NativePtr.add tile (16 * ii))
                transpose16 tile turned 16 count
                for j in 0 .. count - 1 do
                    Avx512F.MaskStore(NativePtr.add d ((p0 + j) * MR), strip, Vector512.Load(NativePtr.add turned (16 * j)))
                p0 <- p0 + 16
        elif cs = 1 then
            // Each row is contiguous in k: read along it, write every MR-th slot.
            for ii in 0 .. valid - 1 do
                let row = NativePtr.add src ((i0 + ii) * rs)
                for p in 0 .. kc - 1 do
                    NativePtr.set d (p * MR + ii) (NativePtr.get row p)
        elif columnMajor then
            let rowsValid = tailMask valid
            let strip = tailMask MR
            for p in 0 .. kc - 1 do
                Avx512F.MaskStore(NativePtr.add d (p * MR), strip, Avx512F.MaskLoad(NativePtr.add src (p * cs + i0), rowsValid, Vector512<float32>.Zero))
        else
            for p in 0 .. kc - 1 do
                let col = NativePtr.add src (p * cs + i0 * rs)
                let dp = NativePtr.add d (p * MR)
                for ii in 0 .. valid - 1 do
                    NativePtr.set dp ii (NativePtr.get col (ii * rs))
        if not transposing && not columnMajor then
            for ii in valid .. MR - 1 do
                for p in 0 .. kc - 1 do
                    NativePtr.set d (p * MR + ii) 0.0f

/// Transposes an 8×8 block: row t of the result is column t of the input.
let inline private transpose8x8 (r0: Vector256<float32>) (r1: Vector256<float32>) (r2: Vector256<float32>) (r3: Vector256<float32>)
                                (r4: Vector256<float32>) (r5: Vector256<float32>) (r6: Vector256<float32>) (r7: Vector256<float32>)
                                (dst: nativeptr<float32>) (ld: int) =
    let t0, t1 = Avx.UnpackLow(r0, r1), Avx.UnpackHigh(r0, r1)
    let t2, t3 = Avx.UnpackLow(r2, r3), Avx.UnpackHigh(r2, r3)
    let t4, t5 = Avx.UnpackLow(r4, r5), Avx.UnpackHigh(r4, r5)
    let t6, t7 = Avx.UnpackLow(r6, r7), Avx.UnpackHigh(r6, r7)
    let u0, u1 = Avx.Shuffle(t0, t2, 0x44uy), Avx.Shuffle(t0, t2, 0xEEuy)
    let u2, u3 = Avx.Shuffle(t1, t3, 0x44uy), Avx.Shuffle(t1, t3, 0xEEuy)
    let u4, u5 = Avx.Shuffle(t4, t6, 0x44uy), Avx.Shuffle(t4, t6, 0xEEuy)
    let u6, u7 = Avx.Shuffle(t5, t7, 0x44uy), Avx.Shuffle(t5, t7, 0xEEuy)
    Vector256.Store(Avx.Permute2x128(u0, u4, 0x20uy), dst)
    Vector256.Store(Avx.Permute2x128(u1, u5, 0x20uy), NativePtr.add dst ld)
    Vector256.Store(Avx.Permute2x128(u2, u6, 0x20uy), NativePtr.add dst (2 * ld))
    Vector256.Store(Avx.Permute2x128(u3, u7, 0x20uy), NativePtr.add dst (3 * ld))
    Vector256.Store(Avx.Permute2x128(u0, u4, 0x31uy), NativePtr.add dst (4 * ld))
    Vector256.Store(Avx.Permute2x128(u1, u5, 0x31uy), NativePtr.add dst (5 * ld))
    Vector256.Store(Avx.Permute2x128(u2, u6, 0x31uy), NativePtr.add dst (6 * ld))
    Vector256.Store(Avx.Permute2x128(u3, u7, 0x31uy), NativePtr.add dst (7 * ld))

/// One nr-column strip of op(B) whose columns are contiguous in k (column j at src + j*cs):
/// d[p*nr + jj] = column (j0+jj) at p. Groups of 8 columns × 8 k go through registers.
let private transposeInto (src: nativeptr<float32>) (cs: int) (kc: int) (j0: int) (valid: int) (nr: int) (d: nativeptr<float32>) =
    let kc8 = kc / 8 * 8
    let mutable jj = 0
    while jj < nr do
        if jj + 8 <= valid then
            let c0 = NativePtr.add src ((j0 + jj) * cs)
            let col t = NativePtr.add c0 (t * cs)
            let mutable p = 0
            while p < kc8 do
                transpose8x8
                    (Vector256.Load(NativePtr.add (col 0) p)) (Vector256.Load(NativePtr.add (col 1) p))
                    (Vector256.Load(NativePtr.add (col 2) p)) (Vector256.Load(NativePtr.add (col 3) p))
                    (Vector256.Load(NativePtr.add (col 4) p)) (Vector256.Load(NativePtr.add (col 5) p))
                    (Vector256.Load(NativePtr.add (col 6) p)) (Vector256.Load(NativePtr.add (col 7) p))
                    (NativePtr.add d (p * nr + jj)) nr
                p <- p + 8
            for t in 0 .. 7 do
                let c = col t
                for p in kc8 .. kc - 1 do NativePtr.set d (p * nr + jj + t) (NativePtr.get c p)
        else
            for t in jj .. min nr (jj + 8) - 1 do
                if t < valid then
                    let c = NativePtr.add src ((j0 + t) * cs)
                    for p in 0 .. kc - 1 do NativePtr.set d (p * nr + t) (NativePtr.get c p)
                else
                    for p in 0 .. kc - 1 do NativePtr.set d (p * nr + t) 0.0f
        jj <- jj + 8

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
        elif rs = 1 && X86.Avx.IsSupported then
            // Columns contiguous in k (a transposed operand): 8×8 blocks through registers.
            transposeInto src cs kc j0 valid nr d
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
