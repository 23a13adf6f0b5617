/// Packs the B operand of a convolution GEMM (its im2col matrix: a row per filter tap, a column
/// per output position) into 32-column strips straight from the image, with no im2col buffer in
/// between. im2col and then packB cost the seed CNN's second layer 40% of its forward time
/// (measured: 1.5 + 0.8 ms of 5.7 ms on one core) while the GEMM itself ran at 80% of the peak.
///
/// Over a half-strip (16 output positions), one tap row reads the image at fixed offsets from a
/// start that depends on the tap only. When those offsets span at most 32 floats (unpadded
/// layers whose output rows are not much narrower than 16), a half-strip row is two masked
/// loads and one two-source permute on AVX-512; everything else goes through im2col. The packed
/// values are the same floats either way, so results do not change by a bit.
module FuncCnn.Core.Kernels.ConvPack

open FuncCnn

open FuncCnn.Core
#nowarn "9" // native pointers into pinned arrays

open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop
open FuncCnn.Core.Shape

/// Columns per strip: the Vector512 micro-kernel's nr.
[<Literal>]
let StripWidth = 32

/// 16 output positions of one strip: where their window starts (relative to a tap's offset), which
/// window float each lane takes, which window floats may be read (the masks keep every load inside
/// the floats the positions need) and which lanes are real positions (past the last position, zero).
[<Struct; NoEquality; NoComparison>]
type HalfStrip =
    { Start: int
      Lane: Vector512<int>
      Low: Vector512<float32>
      High: Vector512<float32>
      Valid: Vector512<float32>
      Full: bool }

/// The half-strips of one output size, two per strip.
type Plan = { Halves: HalfStrip[]; Strips: int }

/// The plan for an unpadded geometry, or ValueNone when a half-strip's positions span more than 32 floats.
let private build (g: Conv2dGeometry) : Plan voption =
    let positions = g.OH * g.OW
    let offset j = (j / g.OW) * g.SH * g.W + (j % g.OW) * g.SW
    let strips = (positions + StripWidth - 1) / StripWidth
    let halves =
        Array.init (2 * strips) (fun h ->
            let first = h * 16
            let count = max 0 (min 16 (positions - first))
            if count = 0 then ValueSome { Start = 0; Lane = Vector512<int>.Zero; Low = Vector512<float32>.Zero; High = Vector512<float32>.Zero; Valid = Vector512<float32>.Zero; Full = false }
            else
                let start = offset first
                let lanes = Array.init 16 (fun i -> if i < count then offset (first + i) - start else 0)
                let span = lanes.[count - 1] + 1
                if span > 32 then ValueNone
                else
                    ValueSome
                        { Start = start
                          Lane = Vector512.Create<int> lanes
                          Low = Setup.tailMask span
                          High = Setup.tailMask (span - 16)
                          Valid = Setup.tailMask count
                          Full = count = 16 })
    if halves |> Array.exists ValueOption.isNone then ValueNone
    else ValueSome { Halves = halves |> Array.map ValueOption.get; Strips = strips }

let private plans = System.Collections.Concurrent.ConcurrentDictionary<struct (int * int * int * int * int), Plan voption>()

/// Whether every filter tap of every output position lies inside the image: padding on any side
/// puts taps outside it, where an operand read from the image must be zero instead.
let tapsInside (g: Conv2dGeometry) =
    g.PadTop = 0 && g.PadLeft = 0 && (g.OH - 1) * g.SH + g.KH <= g.H && (g.OW - 1) * g.SW + g.KW <= g.W

/// The cached plan for this geometry's output positions (ValueNone: use im2col), when AVX-512 runs
/// natively and every tap lies inside the image; the plan depends on the image width, output size
/// and strides only.
let planFor (g: Conv2dGeometry) : Plan voption =
    if not Avx512F.IsSupported || not (tapsInside g) then ValueNone
    else plans.GetOrAdd(struct (g.W, g.OH, g.OW, g.SH, g.SW), (fun _ -> build g))

/// One half-strip of one tap row (16 positions) as a vector: lanes past the last position are zero.
let inline private halfRow (half: HalfStrip) (src: nativeptr<float32>) =
    let low = Avx512F.MaskLoad(src, half.Low, Vector512<float32>.Zero)
    let high = Avx512F.MaskLoad(NativePtr.add src 16, half.High, Vector512<float32>.Zero)
    let v = Avx512F.PermuteVar16x32x2(low, half.Lane, high)
    if half.Full then v else Vector512.BitwiseAnd(v, half.Valid)

/// Where im2col rows [r0, r0+kc) read an image [C,H,W]: each row's tap offset c*H*W + ki*W + kj.
/// Worked out once per GEMM k block, not once per strip (a division per row per strip).
let tapOffsets (g: Conv2dGeometry) (r0: int) (kc: int) =
    let perChannel = g.KH * g.KW
    Array.init kc (fun p ->
        let c, t = (r0 + p) / perChannel, (r0 + p) % perChannel
        c * g.H * g.W + (t / g.KW) * g.W + t % g.KW)

/// Packs the im2col rows whose tap offsets are `taps` (tapOffsets) of one image (at `image`,
/// [C,H,W]), strips [s0, s0+count) of kc × 32 floats each, at dst: dst[(s-s0)*kc*32 + p*32 + jj]
/// = image value of row p's tap at position s*32+jj. One strip at a time lets a GEMM use it while
/// it is in L1 (all of the seed CNN's second layer's strips are 147 KB).
let packStrips (plan: Plan) (taps: nativeptr<int>) (kc: int) (image: nativeptr<float32>) (s0: int) (count: int) (dst: nativeptr<float32>) =
    for h in 2 * s0 .. 2 * (s0 + count) - 1 do
        let half = plan.Halves.[h]
        let d = NativePtr.add dst ((h / 2 - s0) * kc * StripWidth + (h % 2) * 16)
        let from = NativePtr.add image half.Start
        for p in 0 .. kc - 1 do
            Vector512.Store(halfRow half (NativePtr.add from (NativePtr.get taps p)), NativePtr.add d (p * StripWidth))

/// packStrips on arrays, every strip: rows [r0, r0+kc) of the image starting at x[offset] into dst (for tests).
let packArray (plan: Plan) (g: Conv2dGeometry) (x: float32[]) (offset: int) (r0: int) (kc: int) (dst: float32[]) =
    Setup.requireFits "image" x offset (g.C * g.H * g.W)
    Setup.requireFits "packed strips" dst 0 (plan.Strips * kc * StripWidth)
    if r0 < 0 || kc < 0 || r0 + kc > g.C * g.KH * g.KW then invalidArg "kc" (sprintf "rows [%d, %d) outside the %d taps" r0 (r0 + kc) (g.C * g.KH * g.KW))
    use px = fixed x
    use pd = fixed dst
    use taps = fixed (tapOffsets g r0 kc)
    packStrips plan taps kc (NativePtr.add px offset) 0 plan.Strips pd
