/// The determinism promise checked on the seed CNN's training step: the same bits on 1 and 2
/// threads and on the scalar, Vector256 and Vector512 paths (each chosen per call through a
/// scoped setting, never a global), reductions in our own order, and the reused step workspace
/// neither changes a bit nor leaks into the states a caller holds.
module FuncCnn.Core.Tests.DeterminismTests

open System
open System.Runtime.Intrinsics
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Kernels

let private batch () =
    let images = Tensor.ofArray [| 128; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (128 * 784) (Rng.create 11L))
    images, Array.init 128 (fun i -> (i * 7) % 10)

let private treeBits (p: ParamTree) =
    ParamTree.leaves p |> List.map (fun (path, t) -> path, t.ToArray() |> Array.map BitConverter.SingleToInt32Bits)

/// Everything a training step produces, as bits: loss, parameters, Adam moments.
let private stateBits (s: TrainState) (loss: float32) =
    BitConverter.SingleToInt32Bits loss, treeBits s.Model.Params, s.Optimizer.Moments |> List.map treeBits

/// Two seed-CNN training steps (the second one sees non-zero moments) under the given settings.
let private twoSteps (settings: Setup.KernelSettings) =
    Setup.withSettings settings (fun () ->
        let images, labels = batch ()
        let model = Model.build (Rng.create 0L) Zoo.mnistInput Zoo.seedCnn
        let config = Train.defaults
        let s1, _ = Train.step config (Train.init config model) images labels
        let s2, loss = Train.step config s1 images labels
        stateBits s2 loss)

/// The paths this machine can run: all three always (Vector256/Vector512 are emulated in
/// software where the hardware lacks them), with a note of which are native.
let private paths = [ Setup.Scalar; Setup.V256; Setup.V512 ]

/// A plain loop doing the additions Reduce promises, in its order.
let private modelSum (x: float32[]) =
    let lanes = Array.zeroCreate<float32> 16
    for i in 0 .. x.Length - 1 do lanes.[i % 16] <- lanes.[i % 16] + x.[i]
    let mutable w = 8
    while w >= 1 do
        for i in 0 .. w - 1 do lanes.[i] <- lanes.[i] + lanes.[i + w]
        w <- w / 2
    lanes.[0]

[<Tests>]
let tests =
    testList "determinism" [
        sequencedCase "the seed CNN's training step gives the same bits on 1 and 2 threads and on the scalar, Vector256 and Vector512 paths" <| fun () ->
            let reference = twoSteps { Path = Setup.Scalar; Threads = 1 }
            let native = sprintf "native: Vector256 %b, Vector512 %b" Vector256.IsHardwareAccelerated Vector512.IsHardwareAccelerated
            for path in paths do
                for threads in [ 1; 2 ] do
                    let got = twoSteps { Path = path; Threads = threads }
                    let (l0, p0, m0), (l1, p1, m1) = reference, got
                    Expect.equal l1 l0 (sprintf "loss bits, %A on %d threads (%s)" path threads native)
                    Expect.equal p1 p0 (sprintf "parameter bits, %A on %d threads (%s)" path threads native)
                    Expect.equal m1 m0 (sprintf "Adam moment bits, %A on %d threads (%s)" path threads native)

        testCase "a kernel reads its settings once per call, from its own scope" <| fun () ->
            let inner = Setup.withSettings { Path = Setup.Scalar; Threads = 1 } (fun () -> Setup.current ())
            Expect.equal inner { Setup.Path = Setup.Scalar; Threads = 1 } "inside the scope"
            Expect.equal (Setup.current ()) Setup.defaultSettings "outside the scope nothing changed"
            // another thread, started while a scope is open here, does not see it
            use ready = new Threading.ManualResetEventSlim()
            use scoped = new Threading.ManualResetEventSlim()
            let mutable seen = Setup.defaultSettings
            let t = Threading.Thread(fun () -> ready.Set(); scoped.Wait(); seen <- Setup.current ())
            t.Start()
            ready.Wait()
            Setup.withSettings { Path = Setup.Scalar; Threads = 1 } (fun () -> scoped.Set(); t.Join())
            Expect.equal seen Setup.defaultSettings "another thread's kernels keep their own settings"

        testCase "sums and dot products add in our fixed order (lane i mod 16, then pairwise), whatever the vector width" <| fun () ->
            let rng = Random 5
            for n in [ 0; 1; 7; 15; 16; 17; 31; 100; 1000; 4099 ] do
                let x = Array.init n (fun _ -> float32 (rng.NextDouble() * 2e3 - 1e3) * (if rng.Next 3 = 0 then 1e-4f else 1.0f))
                let y = Array.init n (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))
                Expect.equal (BitConverter.SingleToInt32Bits (Setup.Reduce.sum (ReadOnlySpan x))) (BitConverter.SingleToInt32Bits (modelSum x)) (sprintf "sum of %d" n)
                let products = Array.map2 (fun (a: float32) b -> a * b) x y
                Expect.equal (BitConverter.SingleToInt32Bits (Setup.Reduce.dot (ReadOnlySpan x) (ReadOnlySpan y))) (BitConverter.SingleToInt32Bits (modelSum products)) (sprintf "dot of %d" n)
            // every tail length, and the values where an extra +0 could show: negative zeros, zeros,
            // cancellations, a NaN and infinities (the AVX-512 sum adds the tail as one masked vector)
            for n in [ 16 .. 48 ] @ [ 121; 676 ] do
                for kind in 0 .. 3 do
                    let x =
                        Array.init n (fun i ->
                            match kind with
                            | 0 -> -0.0f
                            | 1 -> (if i % 2 = 0 then 1.5f else -1.5f)
                            | 2 -> (if i = n / 2 then nanf elif i % 3 = 0 then -0.0f else float32 i)
                            | _ -> (if i % 5 = 0 then infinityf elif i % 7 = 0 then -0.0f else 0.0f))
                    Expect.equal (BitConverter.SingleToInt32Bits (Setup.Reduce.sum (ReadOnlySpan x))) (BitConverter.SingleToInt32Bits (modelSum x)) (sprintf "sum of %d (kind %d)" n kind)

        testCase "Adam's eight-at-a-time loop gives the bits of the plain per-element formula" <| fun () ->
            let rng = Random 9
            let n = 1003
            let arr scale = Array.init n (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0) * scale)
            let p, m, g = arr 1.0f, arr 0.01f, arr 0.1f
            let v = arr 0.001f |> Array.map abs
            let lr, b1, b2, eps, t = 1e-3f, 0.9f, 0.999f, 1e-7f, 7
            let p', m', v' = Optim.adamStep lr b1 b2 eps t p m v g
            let c1 = float32 (1.0 - pown (float b1) t)
            let c2 = float32 (1.0 - pown (float b2) t)
            for i in 0 .. n - 1 do
                let mi = b1 * m.[i] + (1.0f - b1) * g.[i]
                let vi = b2 * v.[i] + (1.0f - b2) * g.[i] * g.[i]
                let pi = p.[i] - lr * (mi / c1) / (sqrt (vi / c2) + eps)
                Expect.equal (BitConverter.SingleToInt32Bits m'.[i], BitConverter.SingleToInt32Bits v'.[i], BitConverter.SingleToInt32Bits p'.[i])
                             (BitConverter.SingleToInt32Bits mi, BitConverter.SingleToInt32Bits vi, BitConverter.SingleToInt32Bits pi) (sprintf "element %d" i)

        testCase "2x2 max pooling makes the scalar loop's choices on the vector path, NaNs and ties included" <| fun () ->
            let rng = Random 13
            for h, w in [ 26, 26; 11, 11; 4, 34; 5, 7; 2, 2 ] do
                let g = Shape.pool2d "maxpool" [| 3; 5; h; w |] (2, 2) (2, 2)
                let x = Array.init (3 * 5 * h * w) (fun _ -> match rng.Next 6 with 0 -> nanf | 1 -> 1.0f | _ -> float32 (rng.Next 4))
                let run path = Setup.withSettings { Path = path; Threads = 1 } (fun () -> Pool.maxPool2dForward g x)
                let ys, args = run Setup.Scalar
                for path in [ Setup.V256; Setup.V512 ] do
                    let y, arg = run path
                    Expect.equal (y |> Array.map BitConverter.SingleToInt32Bits) (ys |> Array.map BitConverter.SingleToInt32Bits) (sprintf "values %dx%d %A" h w path)
                    Expect.equal arg args (sprintf "argmax %dx%d %A" h w path)

        testCase "the pure step leaves the state it was given unchanged and repeats to the bit" <| fun () ->
            let images, labels = batch ()
            let model = Model.build (Rng.create 0L) Zoo.mnistInput Zoo.seedCnn
            let config = Train.defaults
            let s0 = Train.init config model
            let before = stateBits s0 0.0f
            let a, la = Train.step config s0 images labels
            let b, lb = Train.step config s0 images labels
            Expect.equal (stateBits s0 0.0f) before "the old state after two steps from it"
            Expect.equal (stateBits b lb) (stateBits a la) "the same step twice"
            // a third step from a reuses the workspace the first two released; a is untouched by it
            let aBits = stateBits a la
            Train.step config a images labels |> ignore
            Expect.equal (stateBits a la) aBits "a state after a step from it"

        testCase "fit steps its own copy in place: same bits as pure steps, the caller's model untouched" <| fun () ->
            let images, labels = batch ()
            let model = Model.build (Rng.create 0L) Zoo.mnistInput Zoo.seedCnn
            let modelBits = treeBits model.Params
            let config = { Train.defaults with BatchSize = 32; Epochs = 1; Shuffle = false }
            let fitted = Train.fit config model (Examples.labelled images labels)
            Expect.equal (treeBits model.Params) modelBits "the model given to fit"
            let mutable s = Train.init config model
            for b in 0 .. 3 do
                let idx = Array.init 32 (fun i -> b * 32 + i)
                let x = Tensor.ofArray [| 32; 1; 28; 28 |] (Array.concat [ for i in idx -> images.ToArray().[i * 784 .. i * 784 + 783] ])
                s <- fst (Train.step config s x (idx |> Array.map (fun i -> labels.[i])))
            Expect.equal (treeBits fitted.Trained.Params) (treeBits s.Model.Params) "fit vs four pure steps"
            Expect.equal (fitted.FinalState.Optimizer.Moments |> List.map treeBits) (s.Optimizer.Moments |> List.map treeBits) "moments"
            // training again from the fit's final state leaves that state as it was
            let finalBits = treeBits fitted.FinalState.Model.Params
            Train.fitFrom config fitted.FinalState (Examples.labelled images labels) |> ignore
            Expect.equal (treeBits fitted.FinalState.Model.Params) finalBits "a state fit started from"
    ]
