/// Every kernel against a naive reference written here (triple-loop matmul, direct 7-loop conv,
/// plain pooling loops), on random shapes; and bit-for-bit determinism across thread counts and
/// SIMD paths.
module FuncCnn.Core.Tests.KernelTests

open System
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn.Core.Shape
open FuncCnn.Core.Kernels

let private randomArray (rng: Random) (len: int) = Array.init len (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))

/// Fails naming the first element that is off by more than the float32 rounding of its sum allows.
let private assertClose (what: string) (expected: float[]) (absSums: float[]) (actual: float32[]) =
    Expect.equal actual.Length expected.Length "actual.Length"
    for i in 0 .. expected.Length - 1 do
        let tol = 1e-5 * (absSums.[i] + 1.0)
        if abs (float actual.[i] - expected.[i]) > tol || Single.IsNaN actual.[i] then
            failwithf "%s: element %d is %g, expected %g (tolerance %g)" what i actual.[i] expected.[i] tol

let private assertBitwise (what: string) (expected: float32[]) (actual: float32[]) =
    Expect.equal actual.Length expected.Length "actual.Length"
    for i in 0 .. expected.Length - 1 do
        if BitConverter.SingleToInt32Bits expected.[i] <> BitConverter.SingleToInt32Bits actual.[i] then
            failwithf "%s: element %d differs: %g vs %g" what i expected.[i] actual.[i]

/// Runs f with other kernel settings in its own scope (nothing global changes, so tests running
/// at the same time are unaffected).
let private withSettings (path: Setup.SimdPath) (threads: int) (f: unit -> 'a) =
    Setup.withSettings { Path = path; Threads = threads } f

// ---------------------------------------------------------------- GEMM

type private GemmCase =
    { TransA: bool; TransB: bool; M: int; N: int; K: int; AOff: int; BOff: int; COff: int; Accumulate: bool }

let private referenceGemm (g: GemmCase) (a: float32[]) (b: float32[]) (c0: float32[]) =
    let expected = Array.zeroCreate (g.M * g.N)
    let absSums = Array.zeroCreate (g.M * g.N)
    for i in 0 .. g.M - 1 do
        for j in 0 .. g.N - 1 do
            let mutable s = if g.Accumulate then float c0.[g.COff + i * g.N + j] else 0.0
            let mutable sa = abs s
            for p in 0 .. g.K - 1 do
                let av = if g.TransA then a.[g.AOff + p * g.M + i] else a.[g.AOff + i * g.K + p]
                let bv = if g.TransB then b.[g.BOff + j * g.K + p] else b.[g.BOff + p * g.N + j]
                s <- s + float av * float bv
                sa <- sa + abs (float av * float bv)
            expected.[i * g.N + j] <- s
            absSums.[i * g.N + j] <- sa
    expected, absSums

let private runGemm (g: GemmCase) (a: float32[]) (b: float32[]) (c0: float32[]) =
    let c = Array.copy c0
    Gemm.gemm g.TransA g.TransB g.M g.N g.K (a, g.AOff) (b, g.BOff) (c, g.COff) g.Accumulate
    c

let private checkGemm (rng: Random) (g: GemmCase) =
    let a = randomArray rng (g.AOff + g.M * g.K + 3)
    let b = randomArray rng (g.BOff + g.K * g.N + 2)
    let c0 = randomArray rng (g.COff + g.M * g.N + 5)
    let c = runGemm g a b c0
    let expected, absSums = referenceGemm g a b c0
    assertClose (sprintf "%A" g) expected absSums (Array.sub c g.COff (g.M * g.N))
    // Nothing outside C's window may change.
    for i in 0 .. g.COff - 1 do Expect.equal (c.[i]) (c0.[i]) "c.[i]"
    for i in g.COff + g.M * g.N .. c.Length - 1 do Expect.equal (c.[i]) (c0.[i]) "c.[i]"

let private randomGemmCase (rng: Random) (maxDim: int) =
    let dim () = if rng.Next 5 = 0 then 1 + rng.Next 3 else 1 + rng.Next maxDim
    { TransA = rng.Next 2 = 0; TransB = rng.Next 2 = 0
      M = dim (); N = dim (); K = dim ()
      AOff = rng.Next 4 * 7; BOff = rng.Next 4 * 5; COff = rng.Next 4 * 3
      Accumulate = rng.Next 2 = 0 }

// ---------------------------------------------------------------- convolution

let private conv2dRef (g: Conv2dGeometry) (x: float32[]) (w: float32[]) (bias: float32[] option) =
    let y = Array.zeroCreate (g.N * g.K * g.OH * g.OW)
    let sums = Array.zeroCreate y.Length
    for n in 0 .. g.N - 1 do
        for k in 0 .. g.K - 1 do
            for oh in 0 .. g.OH - 1 do
                for ow in 0 .. g.OW - 1 do
                    let o = ((n * g.K + k) * g.OH + oh) * g.OW + ow
                    let mutable s = match bias with Some b -> float b.[k] | None -> 0.0
                    let mutable sa = abs s
                    for c in 0 .. g.C - 1 do
                        for ki in 0 .. g.KH - 1 do
                            for kj in 0 .. g.KW - 1 do
                                let ih = oh * g.SH - g.PadTop + ki
                                let iw = ow * g.SW - g.PadLeft + kj
                                if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W then
                                    let t = float x.[((n * g.C + c) * g.H + ih) * g.W + iw] * float w.[((k * g.C + c) * g.KH + ki) * g.KW + kj]
                                    s <- s + t
                                    sa <- sa + abs t
                    y.[o] <- s
                    sums.[o] <- sa
    y, sums

/// Visits every (input index, weight index, output index) triple the convolution multiplies.
let private forEachTap (g: Conv2dGeometry) (visit: int -> int -> int -> unit) =
    for n in 0 .. g.N - 1 do
        for k in 0 .. g.K - 1 do
            for oh in 0 .. g.OH - 1 do
                for ow in 0 .. g.OW - 1 do
                    for c in 0 .. g.C - 1 do
                        for ki in 0 .. g.KH - 1 do
                            for kj in 0 .. g.KW - 1 do
                                let ih = oh * g.SH - g.PadTop + ki
                                let iw = ow * g.SW - g.PadLeft + kj
                                if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W then
                                    visit (((n * g.C + c) * g.H + ih) * g.W + iw) (((k * g.C + c) * g.KH + ki) * g.KW + kj) (((n * g.K + k) * g.OH + oh) * g.OW + ow)

let private backwardInputRef (g: Conv2dGeometry) (dy: float32[]) (w: float32[]) =
    let dx = Array.zeroCreate (g.N * g.C * g.H * g.W)
    let sums = Array.zeroCreate dx.Length
    forEachTap g (fun xi wi yi ->
        let t = float dy.[yi] * float w.[wi]
        dx.[xi] <- dx.[xi] + t
        sums.[xi] <- sums.[xi] + abs t)
    dx, sums

let private backwardWeightRef (g: Conv2dGeometry) (x: float32[]) (dy: float32[]) =
    let dw = Array.zeroCreate (g.K * g.C * g.KH * g.KW)
    let sums = Array.zeroCreate dw.Length
    forEachTap g (fun xi wi yi ->
        let t = float dy.[yi] * float x.[xi]
        dw.[wi] <- dw.[wi] + t
        sums.[wi] <- sums.[wi] + abs t)
    dw, sums

/// A random conv2d geometry (stride 1-2, asymmetric padding, 1x1 to 5x5 kernels), or a
/// conv-transpose one (whose bottom/right padding can be "negative").
let private randomConvGeometry (rng: Random) =
    let pick (xs: int[]) = xs.[rng.Next xs.Length]
    let rec attempt () =
        let n, c, k = 1 + rng.Next 3, 1 + rng.Next 5, 1 + rng.Next 8
        let kh, kw = pick [| 1; 2; 3; 5 |], pick [| 1; 2; 3; 5 |]
        let sh, sw = 1 + rng.Next 2, 1 + rng.Next 2
        if rng.Next 4 = 0 then
            let h, w = 1 + rng.Next 7, 1 + rng.Next 7
            let ph, pw = rng.Next kh, rng.Next kw
            let oph, opw = rng.Next sh, rng.Next sw
            let outH = (h - 1) * sh - 2 * ph + kh + oph
            let outW = (w - 1) * sw - 2 * pw + kw + opw
            if outH < 1 || outW < 1 then attempt ()
            else convTranspose2d [| n; c; h; w |] [| c; k; kh; kw |] (sh, sw) (ph, pw) (oph, opw)
        else
            let h, w = 1 + rng.Next 13, 1 + rng.Next 13
            let pad = { Top = rng.Next 3; Bottom = rng.Next 3; Left = rng.Next 3; Right = rng.Next 3 }
            if h + pad.Top + pad.Bottom < kh || w + pad.Left + pad.Right < kw then attempt ()
            else conv2d [| n; c; h; w |] [| k; c; kh; kw |] (sh, sw) pad
    attempt ()

let private checkConv (rng: Random) (g: Conv2dGeometry) =
    let x = randomArray rng (g.N * g.C * g.H * g.W)
    let w = randomArray rng (g.K * g.C * g.KH * g.KW)
    let dy = randomArray rng (g.N * g.K * g.OH * g.OW)
    let bias = if rng.Next 2 = 0 then Some (randomArray rng g.K) else None
    let expected, sums = conv2dRef g x w bias
    assertClose (sprintf "forward %A" g) expected sums (Conv.conv2dForward g x w bias)
    let expected, sums = backwardInputRef g dy w
    assertClose (sprintf "backward input %A" g) expected sums (Conv.conv2dBackwardInput g dy w)
    let expected, sums = backwardWeightRef g x dy
    assertClose (sprintf "backward weight %A" g) expected sums (Conv.conv2dBackwardWeight g x dy)

// ---------------------------------------------------------------- pooling

let private randomPoolGeometry (rng: Random) =
    let rec attempt () =
        let kh, kw = 1 + rng.Next 3, 1 + rng.Next 3
        let h, w = 1 + rng.Next 12, 1 + rng.Next 12
        if h < kh || w < kw then attempt ()
        else pool2d "pool" [| 1 + rng.Next 3; 1 + rng.Next 4; h; w |] (kh, kw) (1 + rng.Next 3, 1 + rng.Next 3)
    attempt ()

let private windowIndices (g: Pool2dGeometry) (pl: int) (oh: int) (ow: int) =
    [| for ki in 0 .. g.KH - 1 do
         for kj in 0 .. g.KW - 1 -> (pl * g.H + oh * g.SH + ki) * g.W + ow * g.SW + kj |]

// ---------------------------------------------------------------- determinism

/// Every kernel's result, as one array, for a fixed random problem big enough to be split.
let private allKernelResults () =
    let rng = Random 2024
    let g = conv2d [| 37; 16; 13; 13 |] [| 24; 16; 3; 3 |] (1, 1) { Top = 1; Bottom = 0; Left = 0; Right = 1 }
    let x = randomArray rng (g.N * g.C * g.H * g.W)
    let w = randomArray rng (g.K * g.C * g.KH * g.KW)
    let dy = randomArray rng (g.N * g.K * g.OH * g.OW)
    let a = randomArray rng (300 * 700)
    let b = randomArray rng (700 * 200)
    let c = Array.zeroCreate (300 * 200)
    Gemm.gemm false true 300 200 700 (a, 0) (b, 0) (c, 0) false
    let pg = pool2d "maxpool" [| 37; 16; 13; 13 |] (2, 2) (2, 2)
    let py, parg = Pool.maxPool2dForward pg x
    let gd = conv2d [| 37; 1; 28; 28 |] [| 8; 1; 3; 3 |] (1, 1) (Padding2d.symmetric 1 1)
    let xd = randomArray rng (gd.N * gd.H * gd.W)
    let wd = randomArray rng (gd.K * 9)
    // Unpadded: on AVX-512 the forward and weight-gradient operands are packed from the image.
    let gu = conv2d [| 37; 16; 13; 13 |] [| 24; 16; 3; 3 |] (1, 1) Padding2d.zero
    let dyu = randomArray rng (gu.N * gu.K * gu.OH * gu.OW)
    // The weight gradient read from the image: 20 taps (a part-filled 6-row strip), 70 channels
    // (three 32-channel strips, the last part-filled), column stride 2.
    let gs = conv2d [| 37; 5; 9; 11 |] [| 70; 5; 2; 2 |] (1, 2) Padding2d.zero
    let xs = randomArray rng (gs.N * gs.C * gs.H * gs.W)
    let dys = randomArray rng (gs.N * gs.K * gs.OH * gs.OW)
    Array.concat
        [ c
          Conv.conv2dForward g x w (Some (randomArray (Random 1) g.K))
          Conv.conv2dBackwardInput g dy w
          Conv.conv2dBackwardWeight g x dy
          Conv.biasBackward g.N g.K (g.OH * g.OW) dy
          py
          Array.map float32 parg
          Pool.maxPool2dBackward pg parg (randomArray (Random 3) py.Length)
          Pool.avgPool2dForward pg x
          Conv.conv2dForward gd xd wd (Some (randomArray (Random 5) gd.K))
          Conv.conv2dForward gu x w (Some (randomArray (Random 6) gu.K))
          Conv.conv2dBackwardInput gu dyu w
          Conv.conv2dBackwardWeight gu x dyu
          Conv.conv2dBackwardWeight gs xs dys ]

[<Tests>]
let tests =
    testList "Kernel" [
        testCase "gemm matches the triple loop on random shapes, transposes, offsets and accumulate" <| fun () ->
            let rng = Random 1234
            for _ in 1 .. 300 do checkGemm rng (randomGemmCase rng 40)

        testCase "gemm matches the triple loop on shapes that span several blocks" <| fun () ->
            let rng = Random 99
            for m, n, k in [ 150, 200, 300; 73, 390, 517; 13, 17, 600; 200, 1, 70; 1, 250, 260 ] do
                for ta in [ false; true ] do
                    for tb in [ false; true ] do
                        checkGemm rng { TransA = ta; TransB = tb; M = m; N = n; K = k; AOff = 3; BOff = 1; COff = 2; Accumulate = ta }

        testCase "gemm handles empty sizes" <| fun () ->
            let c = [| 1.0f; 2.0f |]
            Gemm.gemm false false 0 2 3 ([||], 0) (Array.zeroCreate 6, 0) (c, 0) false
            Gemm.gemm false false 2 0 3 (Array.zeroCreate 6, 0) ([||], 0) (c, 0) false
            Expect.equal c ([| 1.0f; 2.0f |]) "c"
            Gemm.gemm false false 1 2 0 ([||], 0) ([||], 0) (c, 0) true
            Expect.equal c ([| 1.0f; 2.0f |]) "c"
            Gemm.gemm false false 1 2 0 ([||], 0) ([||], 0) (c, 0) false
            Expect.equal c ([| 0.0f; 0.0f |]) "c"

        testCase "gemm rejects arrays too short for the sizes" <| fun () ->
            throwsAny<ArgumentException> (fun () ->
                Gemm.gemm false false 2 2 2 (Array.zeroCreate 3, 0) (Array.zeroCreate 4, 0) (Array.zeroCreate 4, 0) false)
            |> ignore

        testCase "conv2d forward and backward match the direct loops on random geometries" <| fun () ->
            let rng = Random 4321
            for _ in 1 .. 250 do checkConv rng (randomConvGeometry rng)

        testCase "conv2d matches the direct loops on the seed CNN's shapes and a wide batch" <| fun () ->
            let rng = Random 7
            checkConv rng (conv2d [| 3; 32; 13; 13 |] [| 64; 32; 3; 3 |] (1, 1) Padding2d.zero)
            checkConv rng (conv2d [| 2; 1; 28; 28 |] [| 32; 1; 3; 3 |] (1, 1) Padding2d.zero)
            checkConv rng (conv2d [| 20; 3; 9; 8 |] [| 5; 3; 3; 3 |] (2, 1) { Top = 1; Bottom = 0; Left = 2; Right = 1 })
            checkConv rng (conv2d [| 2; 40; 6; 6 |] [| 9; 40; 3; 3 |] (1, 1) (Padding2d.symmetric 1 1))
            // Unpadded: on AVX-512 the weight gradient reads its taps from the image. 9 taps (one
            // part-filled 6-row strip), 37 channels (a part-filled strip), row stride 2.
            checkConv rng (conv2d [| 4; 1; 10; 12 |] [| 37; 1; 3; 3 |] (2, 1) Padding2d.zero)
            // Padding only where no tap reaches it (bottom, right): still read from the image.
            checkConv rng (conv2d [| 3; 2; 9; 9 |] [| 5; 2; 3; 3 |] (2, 2) { Top = 0; Bottom = 1; Left = 0; Right = 1 })

        testCase "the direct kernel takes small stride-1 convolutions and matches the direct loops" <| fun () ->
            let rng = Random 11
            let cases =
                [ conv2d [| 3; 1; 28; 28 |] [| 32; 1; 3; 3 |] (1, 1) Padding2d.zero                      // seed conv1
                  conv2d [| 2; 2; 20; 41 |] [| 4; 2; 3; 3 |] (1, 1) (Padding2d.same (20, 41) (3, 3) (1, 1)) // 18 taps, 2 segments
                  conv2d [| 2; 1; 12; 12 |] [| 3; 1; 5; 5 |] (1, 1) { Top = 2; Bottom = 0; Left = 1; Right = 3 }
                  conv2d [| 1; 3; 9; 14 |] [| 2; 3; 2; 5 |] (1, 1) Padding2d.zero
                  conv2d [| 3; 1; 10; 10 |] [| 9; 1; 3; 3 |] (1, 1) Padding2d.zero ]                     // rows of 8: four channels at a time, then one
            for g in cases do
                Expect.isTrue (DirectConv.applies g) (sprintf "%A should take the direct route" g)
                checkConv rng g

        testCase "direct packing from the image gives the im2col floats, strip by strip" <| fun () ->
            if not Runtime.Intrinsics.X86.Avx512F.IsSupported then skiptest "needs AVX-512 (the packing is AVX-512 only; elsewhere im2col runs)"
            let rng = Random 12
            let cases =
                [ conv2d [| 2; 32; 13; 13 |] [| 64; 32; 3; 3 |] (1, 1) Padding2d.zero  // seed conv2: 121 positions, a part-filled strip
                  conv2d [| 1; 3; 9; 14 |] [| 2; 3; 2; 5 |] (1, 1) Padding2d.zero       // output rows of 10
                  conv2d [| 1; 1; 8; 12 |] [| 3; 1; 3; 1 |] (1, 2) Padding2d.zero        // column stride 2
                  conv2d [| 1; 4; 7; 7 |] [| 5; 4; 3; 3 |] (1, 1) Padding2d.zero ]      // 25 positions: an empty half-strip
            for g in cases do
                let plan = match ConvPack.planFor g with ValueSome p -> p | ValueNone -> failwithf "%A should have a packing plan" g
                let x = randomArray rng (g.N * g.C * g.H * g.W)
                let positions, rows = g.OH * g.OW, g.C * g.KH * g.KW
                let strips = (positions + 31) / 32
                for n in 0 .. g.N - 1 do
                    for r0, kc in [ 0, rows; rows / 3, rows - rows / 3 ] do
                        let packed = Array.create (strips * kc * 32) nanf
                        ConvPack.packArray plan g x (n * g.C * g.H * g.W) r0 kc packed
                        for s in 0 .. strips - 1 do
                            for p in 0 .. kc - 1 do
                                for jj in 0 .. 31 do
                                    let j, r = s * 32 + jj, r0 + p
                                    let c, ki, kj = r / (g.KH * g.KW), r / g.KW % g.KH, r % g.KW
                                    let expected =
                                        if j >= positions then 0.0f
                                        else x.[((n * g.C + c) * g.H + j / g.OW * g.SH + ki) * g.W + j % g.OW * g.SW + kj]
                                    let got = packed.[(s * kc + p) * 32 + jj]
                                    if BitConverter.SingleToInt32Bits got <> BitConverter.SingleToInt32Bits expected then
                                        failwithf "%A image %d strip %d row %d column %d: %g, expected %g" g n s p jj got expected
            // Padded layers and rows too narrow for a 32-float window go through im2col.
            Expect.isTrue (ConvPack.planFor (conv2d [| 1; 2; 8; 8 |] [| 2; 2; 3; 3 |] (1, 1) (Padding2d.symmetric 1 1))).IsNone "padded"
            Expect.isTrue (ConvPack.planFor (conv2d [| 1; 1; 8; 12 |] [| 3; 1; 3; 1 |] (1, 2) { Top = 0; Bottom = 0; Left = 0; Right = 1 })).IsNone "padded on the right"
            Expect.isTrue (ConvPack.planFor (conv2d [| 1; 2; 11; 11 |] [| 3; 2; 3; 3 |] (2, 2) Padding2d.zero)).IsNone "16 positions over 66 floats"

        testCase "biasBackward sums over batch and positions" <| fun () ->
            let rng = Random 5
            for n, k, p in [ 1, 1, 1; 3, 5, 7; 17, 4, 33; 2, 70, 121 ] do
                let dy = randomArray rng (n * k * p)
                let db = Conv.biasBackward n k p dy
                let expected = Array.init k (fun c -> Seq.sum (seq { for i in 0 .. n - 1 do for j in 0 .. p - 1 -> float dy.[(i * k + c) * p + j] }))
                let sums = Array.init k (fun c -> Seq.sum (seq { for i in 0 .. n - 1 do for j in 0 .. p - 1 -> abs (float dy.[(i * k + c) * p + j]) }))
                assertClose "biasBackward" expected sums db

        testCase "max and average pooling match plain loops, including ties" <| fun () ->
            let rng = Random 11
            // The random shapes, then 2x2 stride-2 ones (their backward has its own one-pass kernel):
            // even and odd sizes, widths with and without a multiple of four outputs.
            let fixedShapes =
                [ for dims in [ [| 2; 3; 26; 26 |]; [| 2; 3; 11; 11 |]; [| 1; 2; 9; 18 |]; [| 1; 1; 2; 2 |]; [| 3; 1; 5; 3 |] ] ->
                    pool2d "pool" dims (2, 2) (2, 2) ]
            let shapes = [ for _ in 1 .. 200 -> randomPoolGeometry rng ] @ fixedShapes @ fixedShapes
            shapes |> List.iteri (fun index g ->
                let trial = index + 1
                // Coarse values make ties common; the first maximum must win.
                let x = Array.init (g.N * g.C * g.H * g.W) (fun _ -> if trial % 2 = 0 then float32 (rng.Next 3) else float32 (rng.NextDouble()))
                let dy = randomArray rng (g.N * g.C * g.OH * g.OW)
                let y, arg = Pool.maxPool2dForward g x
                let dxExpected = Array.zeroCreate x.Length
                let avgExpected = Array.zeroCreate y.Length
                let avgDxExpected = Array.zeroCreate x.Length
                let scale = 1.0f / float32 (g.KH * g.KW)
                for pl in 0 .. g.N * g.C - 1 do
                    for oh in 0 .. g.OH - 1 do
                        for ow in 0 .. g.OW - 1 do
                            let o = (pl * g.OH + oh) * g.OW + ow
                            let idx = windowIndices g pl oh ow
                            let best = idx |> Array.maxBy (fun i -> x.[i])
                            let first = idx |> Array.find (fun i -> x.[i] = x.[best])
                            Expect.equal (y.[o]) (x.[first]) "y.[o]"
                            Expect.equal (arg.[o]) first "arg.[o]"
                            dxExpected.[first] <- dxExpected.[first] + dy.[o]
                            let mutable s = 0.0f
                            for i in idx do
                                s <- s + x.[i]
                                avgDxExpected.[i] <- avgDxExpected.[i] + dy.[o] * scale
                            avgExpected.[o] <- s * scale
                assertBitwise "maxPool backward" dxExpected (Pool.maxPool2dBackward g arg dy)
                // without the argmax (prediction): the same values, on all cores and on the calling thread
                assertBitwise "maxPool values only" y (Pool.maxPool2dForwardValues g x)
                let into = Array.create (y.Length + 3) nanf
                Pool.maxPool2dValuesInto g x into
                assertBitwise "maxPool values into" y (Array.sub into 0 y.Length)
                let sums = Array.create y.Length 10.0
                assertClose "avgPool forward" (Array.map float avgExpected) sums (Pool.avgPool2dForward g x)
                assertClose "avgPool backward" (Array.map float avgDxExpected) (Array.create x.Length 10.0) (Pool.avgPool2dBackward g dy))

        testCase "max pooling backward refuses an argmax outside its window" <| fun () ->
            let g = pool2d "pool" [| 1; 2; 12; 12 |] (2, 2) (2, 2)
            let x = randomArray (Random 3) (g.N * g.C * g.H * g.W)
            let _, arg = Pool.maxPool2dForward g x
            let dy = Array.create (g.N * g.C * g.OH * g.OW) 1.0f
            // a neighbour's input, an index in the next plane, a negative one; in a group of four and in the last two
            for o, bad in [ 1, arg.[1] + 2; 36 + 7, arg.[7]; 4, -1; 5, arg.[5] + 12 * 2 ] do
                let hostile = Array.copy arg
                hostile.[o] <- bad
                Expect.throwsT<ArgumentException> (fun () -> Pool.maxPool2dBackward g hostile dy |> ignore) (sprintf "argmax %d of output %d" bad o)
                // the Vector256 kernel too, where it is not the machine's own (its four-wide groups and scalar tail)
                if Runtime.Intrinsics.X86.Avx2.IsSupported then
                    Expect.throwsT<ArgumentException> (fun () -> withSettings Setup.V256 -1 (fun () -> Pool.maxPool2dBackward g hostile dy) |> ignore)
                        (sprintf "argmax %d of output %d, Vector256" bad o)

        sequencedCase "kernels give the same bits on one thread and on all cores" <| fun () ->
            let one = withSettings Setup.detectedPath 1 allKernelResults
            let all = withSettings Setup.detectedPath -1 allKernelResults
            let two = withSettings Setup.detectedPath 2 allKernelResults
            assertBitwise "1 thread vs all cores" one all
            assertBitwise "1 thread vs 2 threads" one two

        sequencedCase "scalar, Vector256 and Vector512 paths give the same bits" <| fun () ->
            let scalar = withSettings Setup.Scalar 1 allKernelResults
            assertBitwise "scalar vs Vector256" scalar (withSettings Setup.V256 -1 allKernelResults)
            assertBitwise "scalar vs Vector512" scalar (withSettings Setup.V512 -1 allKernelResults)
    ]
