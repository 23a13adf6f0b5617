/// The seeded mutation engine (FuncCnn.Core.Fuzz) and a fuzz run per model reader: every mutant
/// must load or fail with a FuncCnnException, within the engine's time and allocation caps.
/// (The data readers, IDX, .npy and strokes, are fuzzed with the same engine in DataFuzzTests.)
module FuncCnn.Core.Tests.FuzzTests

open System
open System.IO
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Interop
open SkiaSharp
open FuncCnn.Core.FuzzCorpus

/// Fails listing every failing mutant (seed, mutation, problem); also fails a run where every
/// mutant loaded (it would prove nothing).
let expectOnlyTypedErrors (r: FuzzReport) =
    printfn "%s" (Fuzz.describe r)
    if not r.Failures.IsEmpty then failtest (Fuzz.describe r)
    Expect.isLessThan r.Accepted r.Cases (sprintf "%s: every mutant loaded, the fuzz proves nothing" r.Target)

[<Tests>]
let engineTests =
    testList "Fuzz engine" [
        test "Mutants are deterministic per seed and differ across seeds" {
            let original = Array.init 200 byte
            Expect.equal (Fuzz.mutate 7 original) (Fuzz.mutate 7 original) "same seed, same mutant"
            let distinct = [ 0 .. 99 ] |> List.map (fun s -> snd (Fuzz.mutate s original)) |> List.distinct
            Expect.isGreaterThan distinct.Length 90 "seeds give different mutants"
            Expect.isTrue (distinct |> List.forall (fun m -> m <> original)) "every mutant differs from the original"
        }
        test "Every kind of mutation occurs" {
            let text = Text.Encoding.ASCII.GetBytes """{"shape": [784, 10], "n": 12}"""
            let kinds = [ for s in 0 .. 399 -> fst (Fuzz.mutate s text) ] |> String.concat "; "
            for k in [ "flip"; "truncate"; "insert"; "int32"; "int64"; "random"; "number at"; "copy" ] do
                Expect.stringContains kinds k (sprintf "a '%s' mutation" k)
        }
        test "An untyped exception is a failure naming the seed; a typed one is not" {
            let r = Fuzz.run "t" 100 20 (Array.zeroCreate 50) (fun b -> if b.Length % 2 = 0 then nullArg "b" else raise (ShapeException "typed"))
            Expect.isGreaterThan r.Failures.Length 0 "the untyped ones fail"
            Expect.equal (r.Failures.Length + r.Rejected) 20 "the others are typed"
            let f = r.Failures.Head
            Expect.equal ((snd (Fuzz.mutate f.Seed (Array.zeroCreate 50))).Length % 2) 0 "the seed replays the failing mutant"
            Expect.stringContains f.Problem "ArgumentNullException" "names the exception"
        }
        test "A case over its time or allocation cap is a failure" {
            let slow = Fuzz.runWith { TimePerCase = TimeSpan.FromMilliseconds 50.0; BytesPerCase = 1L <<< 30 } "slow" 1 2 [| 1uy |] (fun _ -> Threading.Thread.Sleep 400)
            Expect.equal slow.Failures.Length 2 "both cases hang"
            Expect.stringContains slow.Failures.Head.Problem "no answer" "says it hung"
            let greedy = Fuzz.runWith { TimePerCase = TimeSpan.FromSeconds 5.0; BytesPerCase = 1L <<< 20 } "greedy" 1 2 [| 1uy |] (fun _ -> Array.zeroCreate<byte> (8 <<< 20) |> ignore)
            Expect.equal greedy.Failures.Length 2 "both cases allocate 8 MB over a 1 MB cap"
            Expect.stringContains greedy.Failures.Head.Problem "allocated" "says it allocated too much"
        }
    ]

[<Tests>]
let readerTests =
    testList "Fuzz readers" [
        test "model file: raw mutants, and mutants with a valid checksum" {
            let bytes = Serialization.toBytes (saved ())
            Fuzz.run "model file" 1000 40 bytes (fun b -> Serialization.ofBytes "fuzz.fcnn" b |> ignore) |> expectOnlyTypedErrors
            Fuzz.run "model file, checksum fixed" 2000 160 bytes (fun b -> Serialization.ofBytes "fuzz.fcnn" (rehash b) |> ignore) |> expectOnlyTypedErrors
        }
        test "model file read from disk (bounded reading)" {
            use dir = new DataTestUtil.TempDir("fuzz-model")
            let path = Path.Combine(dir.Path, "fuzz.fcnn")
            let bytes = Serialization.toBytes (saved ())
            Fuzz.run "model file on disk" 3000 40 bytes (fun b -> File.WriteAllBytes(path, rehash b); Serialization.load path |> ignore) |> expectOnlyTypedErrors
        }
        test "images: PNG, JPEG and BMP" {
            for format, seed in [ SKEncodedImageFormat.Png, 4000; SKEncodedImageFormat.Jpeg, 5000; SKEncodedImageFormat.Bmp, 6000 ] do
                let bytes = image format
                Fuzz.run (sprintf "%A image" format) seed 40 bytes (fun b ->
                    ImageFile.decode "fuzz.img" { ImageFile.defaults with Size = Some(8, 8) } b |> ignore) |> expectOnlyTypedErrors
        }
        test "safetensors" {
            let m = model ()
            let bytes = Safetensors.toBytes (Map [ "format", "pt" ]) m.Params
            Fuzz.run "safetensors" 7000 80 bytes (fun b ->
                use s = new MemoryStream(b)
                Safetensors.readInto "fuzz.safetensors" s m |> ignore) |> expectOnlyTypedErrors
        }
        test "ONNX" {
            let bytes = Onnx.toBytes (model ())
            Fuzz.run "ONNX" 8000 80 bytes (fun b -> Onnx.ofBytes "fuzz.onnx" b |> ignore) |> expectOnlyTypedErrors
            let torch = File.ReadAllBytes(Path.Combine(repoRoot, "tests", "fixtures", "onnx", "torch_cnn.onnx"))
            Fuzz.run "ONNX (torch export)" 9000 40 torch (fun b -> Onnx.ofBytes "torch.onnx" b |> ignore) |> expectOnlyTypedErrors
        }
        test "Keras HDF5" {
            let bytes = File.ReadAllBytes(Path.Combine(sharedDir, "models", "keras", "mlp_model.h5"))
            Fuzz.run "Keras h5" 10000 40 bytes (fun b ->
                use s = new MemoryStream(b)
                Keras.read "fuzz.h5" s |> ignore) |> expectOnlyTypedErrors
        }
    ]

[<Tests>]
let regressionTests =
    testList "Fuzz regressions" [
        test "Keras h5 mutants that made PureHDF allocate 1.9 GB (bench fuzz seeds 1143, 1748) are refused cheaply" {
            let original = File.ReadAllBytes(Path.Combine(sharedDir, "models", "keras", "mlp_model.h5"))
            for seed in [ 1143; 1748 ] do
                let r = Fuzz.runWith (Fuzz.limitsFor original) "Keras h5" seed 1 original (fun b ->
                    use s = new MemoryStream(b)
                    Keras.read "fuzz.h5" s |> ignore)
                if not r.Failures.IsEmpty then failtest (Fuzz.describe r)
                Expect.equal r.Rejected 1 (sprintf "seed %d is refused" seed)
        }
    ]
