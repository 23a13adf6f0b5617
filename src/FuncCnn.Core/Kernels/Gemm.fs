/// Dense matrix multiply on row-major float32 arrays. Knows nothing of tensors or autodiff.
module FuncCnn.Kernels.Gemm

/// C[m×n] (+)= op(A)·op(B) where op(A) is m×k and op(B) is k×n.
/// A is stored m×k (or k×m when transA); B is stored k×n (or n×k when transB).
/// Each matrix starts at its offset; when `accumulate` is false C is overwritten.
let gemm (transA: bool) (transB: bool) (m: int) (n: int) (k: int)
         (a: float32[], aOff: int) (b: float32[], bOff: int) (c: float32[], cOff: int) (accumulate: bool) =
    for i in 0 .. m - 1 do
        let cRow = cOff + i * n
        if not accumulate then System.Array.Clear(c, cRow, n)
        for p in 0 .. k - 1 do
            let av = if transA then a.[aOff + p * m + i] else a.[aOff + i * k + p]
            if av <> 0.0f then
                if transB then
                    for j in 0 .. n - 1 do c.[cRow + j] <- c.[cRow + j] + av * b.[bOff + j * k + p]
                else
                    let bRow = bOff + p * n
                    for j in 0 .. n - 1 do c.[cRow + j] <- c.[cRow + j] + av * b.[bRow + j]
