/// Dense matrix multiply on row-major float32 arrays. Knows nothing of tensors or autodiff.
/// Blocked and packed: k is cut into blocks of at most KC, op(B) for a k block is packed into
/// nr-column strips, op(A) into MR-row strips, and the micro-kernel walks the strips. Threads
/// split C only (never k), so every element of C sees the same additions in the same order
/// whatever the thread count.
module FuncCnn.Core.Kernels.Gemm

open FuncCnn

open FuncCnn.Core
#nowarn "9" // native pointers into pinned arrays

open Microsoft.FSharp.NativeInterop
open FuncCnn.Core.Kernels.Setup

/// Longest k block: a packed 16-column B strip of KC rows (24 KB) stays in L1 while A strips stream
/// by; 384 also keeps a 3x3x32 convolution (k = 288) in one block.
[<Literal>]
let KC = 384

/// Rows of A packed per task (an MC×KC block of A stays in L2).
[<Literal>]
let MC = 72

/// Columns of C per task (a multiple of every nr).
[<Literal>]
let NC = 192

/// Below this many multiply-adds a GEMM runs on the calling thread.
[<Literal>]
let ParallelThreshold = 1_000_000L

/// k cut into equal blocks of at most KC: (block count, block length). Depends on k only.
let kBlocking (k: int) =
    let blocks = max 1 ((k + KC - 1) / KC)
    blocks, (k + blocks - 1) / blocks

/// Walks the tiles of one k block: for each B strip (kept in L1), every A strip.
let inline private forEachTile (kc: int) (pa: nativeptr<float32>) (m: int) (pb: nativeptr<float32>) (n: int) (nr: int)
                               (c: nativeptr<float32>) (ldc: int) (accumulate: bool)
                               ([<InlineIfLambda>] tile: int -> nativeptr<float32> -> nativeptr<float32> -> nativeptr<float32> -> int -> int -> int -> bool -> unit) =
    let mStrips = (m + MR - 1) / MR
    let nStrips = (n + nr - 1) / nr
    for js in 0 .. nStrips - 1 do
        let pbs = NativePtr.add pb (js * kc * nr)
        let cols = min nr (n - js * nr)
        for is in 0 .. mStrips - 1 do
            tile kc (NativePtr.add pa (is * kc * MR)) pbs (NativePtr.add c (is * MR * ldc + js * nr)) ldc (min MR (m - is * MR)) cols accumulate

/// C[0..m, 0..n] (row stride ldc) (+)= packed A (m rows in MR strips) · packed B (n columns in nr
/// strips), both for one k block of length kc.
let macroKernel (path: SimdPath) (kc: int) (pa: nativeptr<float32>) (m: int) (pb: nativeptr<float32>) (n: int) (c: nativeptr<float32>) (ldc: int) (accumulate: bool) =
    match path with
    | V256 -> forEachTile kc pa m pb n 16 c ldc accumulate (fun kc a b c ldc r k acc -> MicroKernel.tile256 kc a b c ldc r k acc)
    | V512 -> forEachTile kc pa m pb n 32 c ldc accumulate (fun kc a b c ldc r k acc -> MicroKernel.tile512 kc a b c ldc r k acc)
    | Scalar -> forEachTile kc pa m pb n 16 c ldc accumulate (fun kc a b c ldc r k acc -> MicroKernel.tileScalar kc a b c ldc r k acc)

/// Whether the Vector512 micro-kernel reads A in place instead of from a packed strip: for a
/// row-major A (k contiguous), where packing is a transpose (5.7% of a training step, perf), and
/// for a column-major one (six rows side by side at each k).
let private readsAInPlace (path: SimdPath) (ars: int) (acs: int) = path = V512 && (acs = 1 || ars = 1)

/// macroKernel on the Vector512 path with A read in place, a(i, p) = a[i*ars + p*acs] for this k
/// block: whole 6-row strips straight from A, a last partial strip packed into `edge` (at least
/// MR*kc floats). The same FMAs in the same order as packing A first, so the same bits.
let macroKernelInPlaceA (kc: int) (a: nativeptr<float32>) (ars: int) (acs: int) (m: int) (pb: nativeptr<float32>) (n: int)
                        (c: nativeptr<float32>) (ldc: int) (accumulate: bool) (edge: nativeptr<float32>) =
    let whole = m / MR
    let rest = m - whole * MR
    if rest > 0 then Pack.packA (NativePtr.add a (whole * MR * ars)) ars acs rest kc edge
    let nStrips = (n + 31) / 32
    for js in 0 .. nStrips - 1 do
        let pbs = NativePtr.add pb (js * kc * 32)
        let cols = min 32 (n - js * 32)
        for is in 0 .. whole - 1 do
            MicroKernel.tile512Strided kc (NativePtr.add a (is * MR * ars)) ars acs pbs (NativePtr.add c (is * MR * ldc + js * 32)) ldc cols accumulate
        if rest > 0 then MicroKernel.tile512 kc edge pbs (NativePtr.add c (whole * MR * ldc + js * 32)) ldc rest cols accumulate

/// C[0..m, 0..n] (+)= op(A) · packed B for one k block of length kc, op(A)(i, p) = a[i*ars + p*acs]:
/// A read in place where the micro-kernel can (readsAInPlace), else packed into `scratch` first (at
/// least roundUp m MR * kc floats; an in-place A packs only a last partial strip there).
let macroKernelStridedA (path: SimdPath) (kc: int) (a: nativeptr<float32>) (ars: int) (acs: int) (m: int) (pb: nativeptr<float32>) (n: int)
                        (c: nativeptr<float32>) (ldc: int) (accumulate: bool) (scratch: nativeptr<float32>) =
    if readsAInPlace path ars acs then macroKernelInPlaceA kc a ars acs m pb n c ldc accumulate scratch
    else
        Pack.packA a ars acs m kc scratch
        macroKernel path kc scratch m pb n c ldc accumulate

/// Floats needed to pack `rows` rows (or columns) of a k block of length kc.
let packedLength (rows: int) (multiple: int) (kc: int) = roundUp rows multiple * kc

/// C[m×n] (row stride ldc) (+)= op(A)·op(B) on strided views: op(A)(i,p) = a[i*ars + p*acs],
/// op(B)(p,j) = b[p*brs + j*bcs]. The pointers must stay pinned for the call.
let gemmStrided (m: int) (n: int) (k: int)
                (a: nativeptr<float32>) (ars: int) (acs: int)
                (b: nativeptr<float32>) (brs: int) (bcs: int)
                (c: nativeptr<float32>) (ldc: int) (accumulate: bool) =
    if m > 0 && n > 0 then
        if k = 0 then
            if not accumulate then
                for i in 0 .. m - 1 do Pack.zeroRun (NativePtr.add c (i * ldc)) n
        else
            let path = simdPath ()
            let nr = nrOf path
            let blocks, kcMax = kBlocking k
            let mTasks = (m + MC - 1) / MC
            // rows per task: at most MC, spread evenly in whole strips (128 rows: 66 + 62, not 72 + 56)
            let mc = roundUp ((m + mTasks - 1) / mTasks) MR
            let nTasks = (n + NC - 1) / NC
            let worthIt = int64 m * int64 n * int64 k >= ParallelThreshold
            let blockLength = packedLength n nr kcMax
            // One parallel region for the whole product when all of B packed fits in a few MB (each task
            // then walks the k blocks itself, in the same order, so every element of C sees the same
            // additions); a bigger B is packed and shared one k block at a time.
            let allAtOnce = int64 blocks * int64 blockLength <= 1_048_576L
            let blockTasks (pb: nativeptr<float32>) (kb: int) (packedA: float32[]) (task: int) =
                use pa = fixed packedA
                let p0 = kb * kcMax
                let kc = min kcMax (k - p0)
                let i0 = task / nTasks * mc
                let j0 = task % nTasks * NC
                let rows = min mc (m - i0)
                let cols = min NC (n - j0)
                macroKernelStridedA path kc (NativePtr.add a (i0 * ars + p0 * acs)) ars acs rows (NativePtr.add pb (j0 * kc)) cols
                                    (NativePtr.add c (i0 * ldc + j0)) ldc (accumulate || kb > 0) pa
            // Packs strips [s0, s0 + strips) of k block kb into its place in the packed block.
            let packStrips (pb: nativeptr<float32>) (kb: int) (s0: int) (strips: int) =
                let p0 = kb * kcMax
                let kc = min kcMax (k - p0)
                let j0 = s0 * nr
                Pack.packB (NativePtr.add b (p0 * brs + j0 * bcs)) brs bcs kc (min (strips * nr) (n - j0)) nr (NativePtr.add pb (j0 * kc))
            let nStrips = (n + nr - 1) / nr
            if allAtOnce then
                withScratch (blocks * blockLength + AlignSlack) (fun packedB ->
                    use pinned = fixed packedB
                    let pb = align64 pinned
                    // B's blocks, four strip groups each, packed on every core (a dense layer's B is
                    // as big as its A, and packing it on one thread left the other waiting)
                    let groups = min 4 nStrips
                    let perGroup = (nStrips + groups - 1) / groups
                    parallelFor (blocks * groups) worthIt (fun piece ->
                        let kb, group = piece / groups, piece % groups
                        let s0 = group * perGroup
                        if s0 < nStrips then packStrips (NativePtr.add pb (kb * blockLength)) kb s0 (min perGroup (nStrips - s0)))
                    parallelForWithScratch (mTasks * nTasks) worthIt (packedLength mc MR kcMax) (fun packedA task ->
                        for kb in 0 .. blocks - 1 do blockTasks (NativePtr.add pb (kb * blockLength)) kb packedA task))
            else
                withScratch (blockLength + AlignSlack) (fun packedB ->
                    use pinned = fixed packedB
                    let pb = align64 pinned
                    for kb in 0 .. blocks - 1 do
                        packStrips pb kb 0 nStrips
                        parallelForWithScratch (mTasks * nTasks) worthIt (packedLength mc MR kcMax) (fun packedA task -> blockTasks pb kb packedA task))

/// C[m×n] (+)= op(A)·op(B) where op(A) is m×k and op(B) is k×n.
/// A is stored m×k (or k×m when transA); B is stored k×n (or n×k when transB).
/// Each matrix starts at its offset; when `accumulate` is false C is overwritten.
let gemm (transA: bool) (transB: bool) (m: int) (n: int) (k: int)
         (a: float32[], aOff: int) (b: float32[], bOff: int) (c: float32[], cOff: int) (accumulate: bool) =
    if m < 0 || n < 0 || k < 0 then invalidArg "m" (sprintf "gemm: negative size m=%d n=%d k=%d" m n k)
    requireFits "gemm A" a aOff (m * k)
    requireFits "gemm B" b bOff (k * n)
    requireFits "gemm C" c cOff (m * n)
    use pa = fixed a
    use pb = fixed b
    use pc = fixed c
    let ars, acs = if transA then 1, m else k, 1
    let brs, bcs = if transB then 1, k else n, 1
    gemmStrided m n k (NativePtr.add pa aOff) ars acs (NativePtr.add pb bOff) brs bcs (NativePtr.add pc cOff) n accumulate
